//! Server-only code: configuration, database, authentication, the router. UI code never imports it.

pub mod auth;
pub mod blobs;
pub mod catalog_cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod events_api;
pub mod install;
pub mod lifecycle;
pub mod outbound;
pub mod packages;
pub mod rest;
pub mod runtime_api;
pub mod secrets;
pub mod signing;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tokens;
pub mod upgrade;
pub mod upload;
