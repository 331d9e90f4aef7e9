//! In-app notifications as pages show them.

use serde::{Deserialize, Serialize};

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Id.
    pub id: String,
    /// Unix ms.
    pub at: i64,
    /// What happened.
    pub message: String,
    /// Where to look.
    pub link: Option<String>,
    /// Read already.
    pub read: bool,
}

/// A user's latest notifications and the unread count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notifications {
    /// Newest first.
    pub items: Vec<Notification>,
    /// Not read yet (over all, not only those listed).
    pub unread: u32,
}
