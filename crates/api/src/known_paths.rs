//! The documented paths and their methods, so that a request for a known path with a method it does
//! not take is answered 405 with `Allow` (RFC 9110), not 404.

use crate::error::ApiError;
use actix_web::http::Method;
use utoipa::openapi::OpenApi;

/// Path templates (split into segments; `{...}` matches any one segment) with their methods.
#[derive(Debug, Clone, Default)]
pub struct KnownPaths(Vec<(Vec<String>, Vec<Method>)>);

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

impl KnownPaths {
    pub fn of(document: &OpenApi) -> KnownPaths {
        let methods = |item: &utoipa::openapi::PathItem| {
            [
                (item.get.is_some(), Method::GET),
                (item.post.is_some(), Method::POST),
                (item.put.is_some(), Method::PUT),
                (item.patch.is_some(), Method::PATCH),
                (item.delete.is_some(), Method::DELETE),
            ]
            .into_iter()
            .filter_map(|(present, method)| present.then_some(method))
            .collect()
        };
        KnownPaths(
            document
                .paths
                .paths
                .iter()
                .map(|(path, item)| (segments(path), methods(item)))
                .collect(),
        )
    }

    /// What a request no route took gets: 405 with `Allow` when its path is documented for other
    /// methods, else 404.
    pub fn unrouted(&self, path: &str, method: &Method) -> ApiError {
        match self
            .methods_of(path)
            .filter(|methods| !methods.contains(method))
        {
            Some(methods) => ApiError::method_not_allowed(methods.to_vec()),
            None => ApiError::not_found(),
        }
    }

    /// The methods `path` takes, if it is a documented path.
    pub fn methods_of(&self, path: &str) -> Option<&[Method]> {
        let wanted = segments(path);
        self.0
            .iter()
            .find(|(template, _)| {
                template.len() == wanted.len()
                    && template
                        .iter()
                        .zip(&wanted)
                        .all(|(t, w)| t == w || (t.starts_with('{') && !w.is_empty()))
            })
            .map(|(_, methods)| methods.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_paths_know_their_methods() {
        let known = KnownPaths::of(&crate::openapi_document());
        assert_eq!(
            known.methods_of("/api/v1/tickets/42"),
            Some([Method::GET, Method::PATCH].as_slice())
        );
        assert_eq!(known.methods_of("/health"), Some([Method::GET].as_slice()));
        assert_eq!(known.methods_of("/api/v1/tickets/42/nothing"), None);
        assert_eq!(known.methods_of("/api/v1/nothing"), None);
    }
}
