//! The HTML shell and the one route table.

use crate::components::layout::{Footer, Header};
use crate::pages;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: header, routes, footer.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    crate::components::auth::provide_auth();
    view! {
        <Stylesheet id="leptos" href="/pkg/kiket-marketplace.css" />
        <Link rel="icon" href="/favicon.ico" />
        <Title formatter=|title: String| {
            let full = if title.is_empty() {
                "Kiket Marketplace".to_string()
            } else {
                format!("{title} · Kiket Marketplace")
            };
            // leptos_meta writes the server's <title> text as it is, and titles carry search text
            // and publishers' names: escaped here, on the server only (the browser sets
            // `document.title`, which is never read as markup).
            #[cfg(feature = "ssr")]
            let full = full.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            full
        } />
        <Meta
            name="description"
            content="Find, install and configure extensions for Kiket projects."
        />
        <Router>
            <a class="skip-link" href="#main">
                "Skip to content"
            </a>
            <Header />
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <pages::not_found::NotFound /> }>
                    <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async />
                    <Route
                        path=path!("/extensions")
                        view=pages::catalog::ExtensionsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/extensions/:key")
                        view=pages::extension::ExtensionPublicPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/extensions/:key/install")
                        view=pages::install::InstallChoicePage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/signin") view=pages::sign_in::SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/signup") view=pages::sign_up::SignUpPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=pages::account::AccountPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/account/tokens")
                        view=pages::tokens::PersonalTokensPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/docs/api") view=pages::tokens::ApiReferencePage ssr=SsrMode::Async />
                    <Route path=path!("/publish") view=pages::publish::PublishPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/publish/validate")
                        view=pages::validate::ValidatePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/publish/extensions/:key")
                        view=pages::extension_admin::ExtensionAdminPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/publish/extensions/:key/versions/:version")
                        view=pages::version::VersionPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/publishers/:slug")
                        view=pages::publisher::PublisherPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/publishers/:slug/audit")
                        view=pages::audit::PublisherAuditPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/audit") view=pages::audit::AuditPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/notifications")
                        view=pages::notifications::NotificationsPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/orgs") view=pages::orgs::OrgsPage ssr=SsrMode::Async />
                    <Route path=path!("/orgs/:org") view=pages::org::OrgPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/orgs/:org/secrets")
                        view=pages::secrets::SecretsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/orgs/:org/projects/:project/secrets")
                        view=pages::secrets::SecretsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/orgs/:org/projects/:project/install/:key")
                        view=pages::install::ConsentPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/orgs/:org/installations/:id")
                        view=pages::install::InstallationPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/orgs/:org/installations/:id/setup")
                        view=pages::install::SetupPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/orgs/:org/installations/:id/version")
                        view=pages::version_change::VersionChangePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/orgs/:org/installations/:id/deliveries")
                        view=pages::deliveries::DeliveriesPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/orgs/:org/installations/:id/deliveries/:delivery")
                        view=pages::deliveries::DeliveryPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/orgs/:org/tokens")
                        view=pages::deliveries::OrgTokensPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/orgs/:org/installations/:id/done")
                        view=pages::install::DonePage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("/review") view=pages::review::ReviewPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/review/:key/:version")
                        view=pages::version::VersionPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/admin/users")
                        view=pages::admin_users::AdminUsersPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}
