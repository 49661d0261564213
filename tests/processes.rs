//! The real server as separate processes: killed with SIGKILL in the middle of ticket creation it loses
//! no acknowledged ticket (SQLite and PostgreSQL), and two replicas on one PostgreSQL database take
//! concurrent changes to the same tickets without a lost update, a duplicate event or a duplicate
//! ticket number.
#![allow(clippy::unwrap_used)]

use futures_util::future::join_all;
use helpdesk_persistence::testing::TestDatabase;
use helpdesk_persistence::Backend;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

const SECRET: &str = "a process test secret that is long enough";

/// A `helpdesk serve` process.
struct Server {
    child: Child,
    base: String,
    /// Where its stderr goes, shown when it fails to start.
    log: std::path::PathBuf,
}

impl Server {
    async fn start(database: &str, files: &std::path::Path, demo: bool) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let bind = format!("127.0.0.1:{port}");
        let mut command = Command::new(env!("CARGO_BIN_EXE_helpdesk"));
        command
            .args(["serve", "--bind", &bind])
            .env("DATABASE_URL", database)
            .env("HELPDESK_JWT_SECRET", SECRET)
            .env("HELPDESK_ATTACHMENTS_DIR", files)
            .env("HELPDESK_LOGIN_ATTEMPTS_PER_ADDRESS", "10000")
            .env("RUST_LOG", "warn")
            .env_remove("MALLOC_ARENA_MAX")
            .stdout(Stdio::null());
        let log = files.join(format!("server-{port}.log"));
        command.stderr(std::fs::File::create(&log).unwrap());
        if demo {
            command.arg("--demo");
        }
        let mut server = Server {
            child: command.spawn().unwrap(),
            base: format!("http://{bind}"),
            log,
        };
        let client = awc::Client::default();
        let started = Instant::now();
        loop {
            // An early exit (the port taken meanwhile, say) must not pass for another server's answer.
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!(
                    "the server exited ({status}): {}",
                    std::fs::read_to_string(&server.log).unwrap_or_default()
                );
            }
            let ready = client.get(format!("{}/ready", server.base)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the server did not start"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn kill(&mut self) {
        self.child.kill().unwrap(); // SIGKILL: no shutdown, no flush
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP call: status and JSON body (`Err` when the connection failed).
async fn call(
    client: &awc::Client,
    method: &str,
    url: &str,
    token: &str,
    headers: &[(&str, String)],
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    let mut request = match method {
        "GET" => client.get(url),
        "POST" => client.post(url),
        "PATCH" => client.patch(url),
        other => panic!("{other}"),
    }
    .insert_header(("Authorization", format!("Bearer {token}")));
    for (name, value) in headers {
        request = request.insert_header((*name, value.clone()));
    }
    let mut response = match body {
        Some(body) => request.send_json(body).await,
        None => request.send().await,
    }
    .map_err(|error| error.to_string())?;
    let bytes = response.body().await.map_err(|error| error.to_string())?;
    Ok((
        response.status().as_u16(),
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

async fn login(base: &str, email: &str, password: &str) -> String {
    let mut response = awc::Client::default()
        .post(format!("{base}/api/v1/auth/login"))
        .send_json(&json!({"email": email, "password": password}))
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn acknowledged_tickets_survive_a_kill(backend: Backend) {
    let database = TestDatabase::new(backend);
    let files = tempfile::tempdir().unwrap();
    let mut server = Server::start(&database.url, files.path(), true).await;
    // `serve` restarted itself (the same process) with glibc limited to two malloc arenas.
    let environment = std::fs::read(format!("/proc/{}/environ", server.child.id())).unwrap();
    assert!(
        environment
            .split(|byte| *byte == 0)
            .any(|variable| variable == b"MALLOC_ARENA_MAX=2"),
        "the server runs with MALLOC_ARENA_MAX=2"
    );
    let ken = login(&server.base, "ken@example.com", "ken-password").await;

    // Eight clients file tickets as fast as they can; the server is killed while they do, once 50
    // tickets have been acknowledged.
    let acknowledged = Rc::new(std::cell::RefCell::new(Vec::<(i64, String)>::new()));
    let deadline = Instant::now() + Duration::from_secs(60);
    let base = server.base.clone();
    let clients = (0..8).map(|client_number| {
        let (base, ken, acknowledged) = (base.clone(), ken.clone(), acknowledged.clone());
        async move {
            let client = awc::Client::builder()
                .timeout(Duration::from_secs(5))
                .finish();
            for i in 0.. {
                let subject = format!("crash {client_number}-{i}");
                let body =
                    json!({"subject": subject, "body": "Filed under load.", "help_topic_id": 1});
                match call(
                    &client,
                    "POST",
                    &format!("{base}/api/v1/tickets"),
                    &ken,
                    &[],
                    Some(&body),
                )
                .await
                {
                    Ok((201, ticket)) => acknowledged
                        .borrow_mut()
                        .push((ticket["id"].as_i64().unwrap(), subject)),
                    Ok((status, body)) => panic!("unexpected {status}: {body}"),
                    Err(_) => return, // the server is gone
                }
                if Instant::now() > deadline {
                    return;
                }
            }
        }
    });
    let killer = async {
        while acknowledged.borrow().len() < 50 && Instant::now() < deadline {
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill();
    };
    futures_util::future::join(join_all(clients), killer).await;
    let acknowledged = acknowledged.borrow().clone();
    eprintln!(
        "{} tickets acknowledged before the kill",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() >= 50,
        "load ran ({} tickets)",
        acknowledged.len()
    );

    // Restarted on the same database: every acknowledged ticket is there, whole.
    let server = Server::start(&database.url, files.path(), false).await;
    let ken = login(&server.base, "ken@example.com", "ken-password").await;
    let client = awc::Client::default();
    for (id, subject) in &acknowledged {
        let url = format!("{}/api/v1/tickets/{id}", server.base);
        let (status, ticket) = call(&client, "GET", &url, &ken, &[], None).await.unwrap();
        assert_eq!(
            (status, ticket["subject"].as_str()),
            (200, Some(subject.as_str()))
        );
        let (_, messages) = call(&client, "GET", &format!("{url}/messages"), &ken, &[], None)
            .await
            .unwrap();
        assert_eq!(
            messages["items"].as_array().unwrap().len(),
            1,
            "ticket {id} is whole"
        );
    }
    // Nor is any ticket half there (acknowledged or not), and numbers stay unique, also for the next.
    let mut numbers = HashSet::new();
    let mut cursor = String::new();
    loop {
        let url = format!("{}/api/v1/tickets?limit=200{cursor}", server.base);
        let (_, page) = call(&client, "GET", &url, &ken, &[], None).await.unwrap();
        for ticket in page["items"].as_array().unwrap() {
            assert!(numbers.insert(ticket["number"].as_str().unwrap().to_owned()));
            let messages = format!("{}/api/v1/tickets/{}/messages", server.base, ticket["id"]);
            let (_, messages) = call(&client, "GET", &messages, &ken, &[], None)
                .await
                .unwrap();
            assert!(
                !messages["items"].as_array().unwrap().is_empty(),
                "{ticket} has its report"
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert!(numbers.len() >= acknowledged.len());
    let body = json!({"subject": "after the crash", "body": "Still here.", "help_topic_id": 1});
    let url = format!("{}/api/v1/tickets", server.base);
    let (status, after) = call(&client, "POST", &url, &ken, &[], Some(&body))
        .await
        .unwrap();
    assert_eq!(status, 201);
    assert!(!numbers.contains(after["number"].as_str().unwrap()));
    drop(server);
}

/// Changes one ticket through `base` until `rounds` have landed: GET for the version, PATCH with
/// `If-Match`, again on 412. Returns the versions its PATCHes produced.
async fn patch_rounds(
    base: String,
    jane: String,
    ticket: i64,
    worker: usize,
    rounds: usize,
) -> Vec<i64> {
    let client = awc::Client::default();
    let url = format!("{base}/api/v1/tickets/{ticket}");
    let mut versions = Vec::new();
    let mut attempt = 0;
    while versions.len() < rounds {
        attempt += 1;
        assert!(attempt < 500, "worker {worker} could not land its changes");
        let (_, current) = call(&client, "GET", &url, &jane, &[], None).await.unwrap();
        let version = current["version"].as_i64().unwrap();
        let body = json!({"subject": format!("changed by {worker}, attempt {attempt}")});
        let if_match = [("If-Match", format!("\"{version}\""))];
        match call(&client, "PATCH", &url, &jane, &if_match, Some(&body))
            .await
            .unwrap()
        {
            (200, patched) => {
                assert_eq!(
                    patched["version"].as_i64(),
                    Some(version + 1),
                    "one change, one version"
                );
                versions.push(version + 1);
            }
            (412, _) => {} // someone else's change came first: read again
            (status, body) => panic!("unexpected {status}: {body}"),
        }
    }
    versions
}

async fn two_replicas_share_one_database_safely(backend: Backend) {
    let database = TestDatabase::new(backend);
    let files = tempfile::tempdir().unwrap();
    let first = Server::start(&database.url, files.path(), true).await;
    let second = Server::start(&database.url, files.path(), false).await;
    let bases = [first.base.clone(), second.base.clone()];
    let ken = login(&bases[0], "ken@example.com", "ken-password").await;
    let jane = login(&bases[1], "jane@example.com", "jane-password").await;
    let client = awc::Client::default();

    // Forty tickets filed through both replicas at once: forty distinct numbers.
    let filed = join_all((0..40).map(|i| {
        let (client, url, ken) = (&client, format!("{}/api/v1/tickets", bases[i % 2]), &ken);
        async move {
            let body = json!({"subject": format!("replica {i}"), "body": "Both replicas.", "help_topic_id": 1});
            let (status, ticket) = call(client, "POST", &url, ken, &[], Some(&body)).await.unwrap();
            assert_eq!(status, 201, "{ticket}");
            (ticket["id"].as_i64().unwrap(), ticket["number"].as_str().unwrap().to_owned(), ticket["version"].as_i64().unwrap())
        }
    }))
    .await;
    let numbers: HashSet<&String> = filed.iter().map(|(_, number, _)| number).collect();
    assert_eq!(numbers.len(), 40, "no duplicate ticket number");

    // Three tickets, each changed by four workers (two per replica) and sent messages through both.
    let targets: Vec<(i64, i64)> = filed
        .iter()
        .take(3)
        .map(|(id, _, version)| (*id, *version))
        .collect();
    let mut work = Vec::new();
    for &(ticket, _) in &targets {
        for worker in 0..4 {
            work.push(patch_rounds(
                bases[worker % 2].clone(),
                jane.clone(),
                ticket,
                worker,
                5,
            ));
        }
    }
    let posts = join_all(
        targets
            .iter()
            .flat_map(|&(ticket, _)| (0..6).map(move |i| (ticket, i)))
            .map(|(ticket, i)| {
                let (client, jane, url) = (
                    &client,
                    &jane,
                    format!("{}/api/v1/tickets/{ticket}/messages", bases[i % 2]),
                );
                async move {
                    let body = json!({"body": format!("note {i}"), "internal": true});
                    call(client, "POST", &url, jane, &[], Some(&body))
                        .await
                        .unwrap()
                        .0
                }
            }),
    );
    // Unguarded changes (no If-Match) of other fields at the same time: each must land, none may
    // overwrite another's field with a stale row.
    let me = |token: &String| {
        let (client, url, token) = (&client, format!("{}/api/v1/me", bases[0]), token.clone());
        async move {
            call(client, "GET", &url, &token, &[], None)
                .await
                .unwrap()
                .1["id"]
                .clone()
        }
    };
    let (jane_id, john_id) = (
        me(&jane).await,
        me(&login(&bases[0], "john@example.com", "john-password").await).await,
    );
    let unguarded = join_all(
        targets
            .iter()
            .flat_map(|&(ticket, _)| {
                let priorities =
                    ["low", "high", "urgent", "normal", "high"].map(|p| json!({"priority": p}));
                let assignees =
                    [&jane_id, &john_id, &jane_id, &john_id].map(|a| json!({"assignee_id": a}));
                [
                    (ticket, 0, priorities.to_vec()),
                    (ticket, 1, assignees.to_vec()),
                ]
            })
            .map(|(ticket, replica, changes)| {
                let (client, jane, url) = (
                    &client,
                    &jane,
                    format!("{}/api/v1/tickets/{ticket}", bases[replica]),
                );
                async move {
                    for change in changes {
                        let (status, body) = call(client, "PATCH", &url, jane, &[], Some(&change))
                            .await
                            .unwrap();
                        assert_eq!(status, 200, "{body}");
                    }
                }
            }),
    );
    let (patches, (posted, _)) =
        futures_util::future::join(join_all(work), futures_util::future::join(posts, unguarded))
            .await;
    assert!(posted.iter().all(|status| *status == 201), "{posted:?}");

    // No lost update: every landed change has its own version, and the final version counts them all.
    for (index, &(ticket, created_version)) in targets.iter().enumerate() {
        let versions: Vec<i64> = patches[index * 4..index * 4 + 4]
            .iter()
            .flatten()
            .copied()
            .collect();
        assert_eq!(versions.len(), 20);
        assert_eq!(
            versions.iter().collect::<HashSet<_>>().len(),
            20,
            "two changes claimed one version"
        );
        let url = format!("{}/api/v1/tickets/{ticket}", bases[0]);
        let (_, current) = call(&client, "GET", &url, &jane, &[], None).await.unwrap();
        assert_eq!(
            current["version"].as_i64().unwrap(),
            created_version + 20 + 6 + 5 + 4,
            "20 guarded changes, 6 notes, 5 priorities and 4 assignments"
        );
        assert_eq!(
            (current["priority"].as_str(), &current["assignee_id"]),
            (Some("high"), &john_id),
            "the last unguarded change of each field landed"
        );
        let (_, events) = call(
            &client,
            "GET",
            &format!("{url}/events?limit=200"),
            &jane,
            &[],
            None,
        )
        .await
        .unwrap();
        let mut kinds = BTreeMap::new();
        for event in events["items"].as_array().unwrap() {
            *kinds
                .entry(event["kind"].as_str().unwrap().to_owned())
                .or_insert(0) += 1;
        }
        assert_eq!(kinds.get("subject_changed"), Some(&20));
        assert_eq!(kinds.get("priority_changed"), Some(&5));
        assert_eq!(kinds.get("assigned"), Some(&4));
        assert_eq!(
            kinds.get("message_added"),
            Some(&6),
            "six notes (the report is the `created` event)"
        );
    }

    // The event feed, read through either replica: no event twice, in order.
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let url = format!(
            "{}/api/v1/events?after={after}&limit=200",
            bases[seen.len() % 2]
        );
        let (_, page) = call(&client, "GET", &url, &jane, &[], None).await.unwrap();
        let items = page["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        seen.extend(items.iter().map(|e| e["id"].as_i64().unwrap()));
        after = *seen.last().unwrap();
    }
    let distinct: HashSet<_> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "no duplicate event");
    assert!(seen.windows(2).all(|pair| pair[0] < pair[1]));
    drop((first, second));
}

mod acknowledged_tickets_survive_a_kill {
    #[actix_web::test]
    async fn sqlite() {
        super::acknowledged_tickets_survive_a_kill(helpdesk_persistence::Backend::Sqlite).await
    }
    #[actix_web::test]
    async fn postgres() {
        super::acknowledged_tickets_survive_a_kill(helpdesk_persistence::Backend::Postgres).await
    }
}

mod two_replicas_share_one_database_safely {
    // Replicas share a PostgreSQL server; SQLite is the single-process embedded default.
    #[actix_web::test]
    async fn postgres() {
        super::two_replicas_share_one_database_safely(helpdesk_persistence::Backend::Postgres).await
    }
}
