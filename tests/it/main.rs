//! Integration suite: repository tests and HTTP tests, each run on SQLite and on PostgreSQL.

mod activity;
mod api;
mod authz;
mod catalog;
mod cli;
mod delivery;
mod http;
mod installs;
mod kiket_cli;
mod packages;
mod repository;
mod review;
mod secrets;
mod support;
