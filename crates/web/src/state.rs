use std::sync::Arc;

use troth_coach::Coach;
use troth_content::Library;
use troth_store::{SessionPolicy, Store};

use crate::WebConfig;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<WebConfig>,
    pub coach: &'static Coach,
    /// A hash of a random password, verified when an email is unknown so
    /// that "no such account" takes as long as "wrong password".
    pub dummy_hash: Arc<String>,
    /// The content library, loaded once at start.
    pub library: Arc<Library>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: WebConfig) -> Self {
        let dummy_hash = crate::auth::passwords::hash_password(&troth_store::secret::new_secret(), &config.password)
            .expect("hashing with valid parameters cannot fail");
        let library = config.library.clone();
        AppState {
            store,
            config: Arc::new(config),
            coach: Coach::shared_english(),
            dummy_hash: Arc::new(dummy_hash),
            library,
        }
    }

    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy { idle: self.config.session_idle, absolute: self.config.session_absolute }
    }
}
