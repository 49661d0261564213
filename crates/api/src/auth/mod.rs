//! Authentication: passwords, access tokens, API keys, and the [`caller::Caller`] extractor that turns
//! a request's credentials into a domain [`helpdesk_domain::Actor`].

pub mod api_key;
pub mod caller;
pub mod jwt;
pub mod login_throttle;
pub mod password;
