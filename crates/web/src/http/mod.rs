//! What every feature shares over HTTP: errors, extractors, form and JSON
//! bodies, error pages, security middleware, URLs and the OpenAPI frame.
//! Nothing here names a feature.

pub mod compression;
pub mod error;
pub mod extract;
pub mod flash;
pub mod forms;
pub mod openapi;
pub mod page;
pub mod security;
pub mod server;
pub mod urls;
