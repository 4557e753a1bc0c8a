//! The web crate's one integration-test binary: the real server over real
//! HTTP, on SQLite and PostgreSQL, and real Chromium for the journeys. One
//! file per feature, plus the shared support, the authorization matrix and
//! the browser journeys.

mod a11y;
mod accounts;
mod browser;
mod calendar;
mod exchanges;
mod goals;
mod home;
mod hostile;
mod hotpath;
mod insights;
mod instances;
mod journal;
mod lifecycle;
mod mail;
mod mail_sink;
mod matrix;
mod notes;
mod notifications;
mod program;
mod promises;
mod pulse;
mod reflection;
mod ritual;
mod routes;
mod site;
mod spaces;
mod support;
mod timeline;
