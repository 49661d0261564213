//! The scenarios, each one operation as a client sees it, and the data they work on.

use serde_json::{json, Value};
use std::time::Duration;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Integrator intake: `POST /tickets` with an API key.
    CreateWithKey,
    /// A signed-in customer files a ticket.
    CreateAsCustomer,
    /// An agent's queue: open tickets of a department by due date, first page.
    AgentQueue,
    /// A ticket and its messages.
    GetTicket,
    /// An agent's internal note.
    PostMessage,
    /// `PATCH` assignee and priority.
    AssignAndPrioritise,
    /// Full-text search.
    Search,
    /// An agent's day: mostly reads, some writes.
    AgentDay,
    /// The baseline: `create-with-key`'s transaction on the database directly, without HTTP.
    RawCreate,
}

impl Scenario {
    pub const ALL: [Scenario; 9] = [
        Scenario::CreateWithKey,
        Scenario::CreateAsCustomer,
        Scenario::AgentQueue,
        Scenario::GetTicket,
        Scenario::PostMessage,
        Scenario::AssignAndPrioritise,
        Scenario::Search,
        Scenario::AgentDay,
        Scenario::RawCreate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::CreateWithKey => "create-with-key",
            Scenario::CreateAsCustomer => "create-as-customer",
            Scenario::AgentQueue => "agent-queue",
            Scenario::GetTicket => "get-ticket",
            Scenario::PostMessage => "post-message",
            Scenario::AssignAndPrioritise => "assign-and-prioritise",
            Scenario::Search => "search",
            Scenario::AgentDay => "agent-day",
            Scenario::RawCreate => "raw-create (no HTTP)",
        }
    }
}

/// Who and what the scenarios use: the demo's people, an API key and a set of tickets.
pub struct Fixture {
    pub base: String,
    jane: String,
    ken: String,
    key: String,
    /// The API key's id, for the raw baseline.
    pub key_id: i64,
    agents: [Value; 2],
    tickets: Vec<i64>,
}

/// One HTTP call: the JSON answer, or why it failed.
async fn call(
    client: &awc::Client,
    method: &str,
    url: &str,
    auth: (&str, &str),
    body: Option<&Value>,
) -> Result<Value, String> {
    let request = match method {
        "GET" => client.get(url),
        "POST" => client.post(url),
        "PATCH" => client.patch(url),
        other => return Err(format!("no method {other}")),
    }
    .insert_header(auth)
    .timeout(Duration::from_secs(30));
    let mut response = match body {
        Some(body) => request.send_json(body).await,
        None => request.send().await,
    }
    .map_err(|error| error.to_string())?;
    let status = response.status();
    let bytes = response
        .body()
        .limit(8 * 1024 * 1024)
        .await
        .map_err(|error| error.to_string())?;
    if !status.is_success() {
        return Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
    }
    Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn bearer(token: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {token}"))
}

impl Fixture {
    /// Signs in the demo's admin, agent and customer, makes an API key and 200 tickets to work on.
    pub async fn prepare(base: &str) -> Result<Fixture, String> {
        let client = awc::Client::default();
        let login = |email: &'static str, password: &'static str| {
            let (client, url) = (&client, format!("{base}/api/v1/auth/login"));
            async move {
                let body = json!({"email": email, "password": password});
                let answer = call(client, "POST", &url, ("X-Nothing", ""), Some(&body)).await?;
                answer["access_token"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("no token for {email}: is the demo data there?"))
            }
        };
        let admin = login("admin@example.com", "admin-password").await?;
        let jane = login("jane@example.com", "jane-password").await?;
        let john = login("john@example.com", "john-password").await?;
        let ken = login("ken@example.com", "ken-password").await?;
        let me = |token: String| {
            let (client, url) = (&client, format!("{base}/api/v1/me"));
            async move {
                let auth = bearer(&token);
                Ok::<_, String>(
                    call(client, "GET", &url, (auth.0, &auth.1), None).await?["id"].clone(),
                )
            }
        };
        let agents = [me(jane.clone()).await?, me(john).await?];
        let auth = bearer(&admin);
        let created_key = call(
            &client,
            "POST",
            &format!("{base}/api/v1/api-keys"),
            (auth.0, &auth.1),
            Some(&json!({"name": "benchmark"})),
        )
        .await?;
        let key = created_key["key"].as_str().ok_or("no API key")?.to_owned();
        let key_id = created_key["id"].as_i64().ok_or("no API key id")?;
        let mut fixture = Fixture {
            base: base.to_owned(),
            jane,
            ken,
            key,
            key_id,
            agents,
            tickets: Vec::new(),
        };
        for n in 0..200 {
            let ticket = fixture.create(&client, n, true).await?;
            fixture
                .tickets
                .push(ticket["id"].as_i64().ok_or("no ticket id")?);
        }
        Ok(fixture)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    async fn create(&self, client: &awc::Client, n: u64, with_key: bool) -> Result<Value, String> {
        let mut body = json!({
            "subject": format!("Printer on floor {} jams", n % 7),
            "body": "Every second page jams since the toner was changed.",
            "help_topic_id": 1,
        });
        let auth = if with_key {
            body["requester"] =
                json!({"name": "Mia Wong", "email": format!("mia{}@example.com", n % 50)});
            ("X-API-Key", self.key.clone())
        } else {
            bearer(&self.ken)
        };
        call(
            client,
            "POST",
            &self.url("/tickets"),
            (auth.0, &auth.1),
            Some(&body),
        )
        .await
    }

    /// Performs one operation of `scenario`; `n` varies the data.
    pub async fn perform(
        &self,
        client: &awc::Client,
        scenario: Scenario,
        n: u64,
    ) -> Result<(), String> {
        let jane = bearer(&self.jane);
        let jane = (jane.0, jane.1.as_str());
        let ticket = self.tickets[(n as usize) % self.tickets.len()];
        match scenario {
            Scenario::CreateWithKey => self.create(client, n, true).await.map(drop),
            Scenario::CreateAsCustomer => self.create(client, n, false).await.map(drop),
            Scenario::AgentQueue => {
                let url = self.url("/tickets?status=open&department_id=1&sort=due_at&limit=50");
                call(client, "GET", &url, jane, None).await.map(drop)
            }
            Scenario::GetTicket => {
                call(
                    client,
                    "GET",
                    &self.url(&format!("/tickets/{ticket}")),
                    jane,
                    None,
                )
                .await?;
                let messages = self.url(&format!("/tickets/{ticket}/messages"));
                call(client, "GET", &messages, jane, None).await.map(drop)
            }
            Scenario::PostMessage => {
                let body =
                    json!({"body": format!("Checked the toner, step {n}."), "internal": true});
                let url = self.url(&format!("/tickets/{ticket}/messages"));
                call(client, "POST", &url, jane, Some(&body))
                    .await
                    .map(drop)
            }
            Scenario::AssignAndPrioritise => {
                let body = json!({
                    "assignee_id": self.agents[(n % 2) as usize],
                    "priority": if n % 2 == 0 { "high" } else { "normal" },
                });
                let url = self.url(&format!("/tickets/{ticket}"));
                call(client, "PATCH", &url, jane, Some(&body))
                    .await
                    .map(drop)
            }
            Scenario::Search => {
                let url = self.url("/tickets?q=printer%20jams&limit=50");
                call(client, "GET", &url, jane, None).await.map(drop)
            }
            Scenario::AgentDay => {
                let pick = match n % 100 {
                    0..=59 => Scenario::AgentQueue,
                    60..=79 => Scenario::GetTicket,
                    80..=84 => Scenario::Search,
                    85..=92 => Scenario::PostMessage,
                    93..=97 => Scenario::AssignAndPrioritise,
                    _ => Scenario::CreateWithKey,
                };
                Box::pin(self.perform(client, pick, n / 100)).await
            }
            Scenario::RawCreate => Err("raw-create runs on the database, not over HTTP".into()),
        }
    }
}
