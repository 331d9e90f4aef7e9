//! One file per route; the route table is in `app.rs`.

pub mod account;
pub mod admin_users;
pub mod audit;
pub mod catalog;
pub mod deliveries;
pub mod extension;
pub mod extension_admin;
pub mod home;
pub mod install;
pub mod not_found;
pub mod notifications;
pub mod org;
pub mod orgs;
pub mod publish;
pub mod publisher;
pub mod review;
pub mod secrets;
pub mod sign_in;
pub mod sign_up;
pub mod tokens;
pub mod validate;
pub mod version;
pub mod version_change;
