//! The committed `openapi/openapi.json` is the document the code generates.
#![allow(clippy::unwrap_used)]

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = helpdesk_api::openapi_document().to_pretty_json().unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date; regenerate it with:\n    cargo run -- openapi > openapi/openapi.json"
    );
}

#[test]
fn every_operation_documents_its_errors_and_security() {
    let document: serde_json::Value =
        serde_json::from_str(&helpdesk_api::openapi_document().to_json().unwrap()).unwrap();
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .unwrap();
    assert!(schemes.contains_key("bearer") && schemes.contains_key("api_key"));
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            if path.starts_with("/api/v1")
                && path != "/api/v1/auth/login"
                && path != "/api/v1/auth/register"
            {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} documents 401"
                );
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let problem = &response["content"]["application/problem+json"]["schema"];
                    assert!(
                        !problem.is_null(),
                        "{method} {path} {status} is problem+json"
                    );
                }
            }
        }
    }
}
