//! The authorization table: for every server fn and every role, allowed or refused.
//! Every feature adds its server fns here.

use crate::support::{client, email, spawn_app, Engine, TestApp};
use kiket_marketplace::api::activity::{
    ListAudit, MarkNotificationsRead, MyNotifications, UnreadNotifications,
};
use kiket_marketplace::api::admin::{ListUsers, SetUserAdmin};
use kiket_marketplace::api::auth::{
    ChangePassword, GetCurrentUser, KeptInput, SignIn, SignOut, SignUp,
};
use kiket_marketplace::api::catalog::{
    CatalogFacets, GetExtensionPage, GetPublicPublisher, SearchCatalog,
};
use kiket_marketplace::api::deliveries::{
    CreateOrgToken, GetDelivery, GetDeliveryConsole, GetOrgTokens, Redeliver, RedeliverFailed,
    RevokeOrgToken, SendTestEvent,
};
use kiket_marketplace::api::extensions::{
    DeprecateExtension, GetExtensionOverview, GetVersion, PublisherExtensions, TakeUploadRefusal,
    UndeprecateExtension, UpdateListing,
};
use kiket_marketplace::api::installs::{
    BeginInstall, ChangeVersion, GetInstallation, InstallChoice, InstallConsent,
    InstallationCredentials, PreviewVersionChange, ReplaceRuntimeToken, RotateSigningSecret,
    SaveSetupStep, SetInstallationEnabled, SetupPage, UninstallInstallation,
};
use kiket_marketplace::api::manifests::ValidateManifest;
use kiket_marketplace::api::orgs::{
    AddOrgMember, ClearSecret, CreateOrganization, CreateProject, DeleteOrganization,
    GetOrganization, ListSecrets, MyOrganizations, RemoveOrgMember, SetSecret,
};
use kiket_marketplace::api::publishers::{
    AddPublisherMember, CreatePublisher, GetPublisher, MyPublishers, RemovePublisherMember,
    SetPublisherSuspended, SetPublisherVerified,
};
use kiket_marketplace::api::review::{ActOnVersion, GetReviewQueue};
use kiket_marketplace::api::tokens::{
    CreatePersonalToken, GetApiReference, GetPersonalTokens, RevokePersonalToken,
};
use leptos::server_fn::ServerFn;
use rstest::rstest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Visitor,
    User,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Not refused for lack of a session or role (the call may still fail validation).
    Allowed,
    /// 401: sign in first.
    Unauthenticated,
    /// 403: signed in without the role.
    Forbidden,
    /// 404: not the caller's business, so not said to exist.
    Hidden,
}

use Expect::*;
use Role::*;

struct Row {
    path: &'static str,
    form: fn(&Ctx) -> Vec<(&'static str, String)>,
    expect: [(Role, Expect); 3],
}

struct Ctx {
    other_user_id: String,
    /// A publisher that no role of the table belongs to.
    publisher: String,
    other_email: String,
    /// A personal token of the other user.
    other_token: String,
}

fn table() -> Vec<Row> {
    vec![
        Row {
            path: SignUp::PATH,
            form: |_| {
                vec![
                    ("email", "x".into()),
                    ("display_name", "X".into()),
                    ("password", "short".into()),
                ]
            },
            expect: [(Visitor, Allowed), (User, Allowed), (Admin, Allowed)],
        },
        Row {
            path: SignIn::PATH,
            form: |_| {
                vec![
                    ("email", "nobody@example.com".into()),
                    ("password", "wrong password!".into()),
                ]
            },
            expect: [(Visitor, Allowed), (User, Allowed), (Admin, Allowed)],
        },
        Row {
            path: GetCurrentUser::PATH,
            form: |_| vec![],
            expect: [(Visitor, Allowed), (User, Allowed), (Admin, Allowed)],
        },
        Row {
            path: KeptInput::PATH,
            form: |_| vec![("form", "sign_up".into())],
            expect: [(Visitor, Allowed), (User, Allowed), (Admin, Allowed)],
        },
        Row {
            path: ChangePassword::PATH,
            form: |_| {
                vec![
                    ("current_password", "wrong".into()),
                    ("new_password", "x".into()),
                ]
            },
            expect: [
                (Visitor, Unauthenticated),
                (User, Allowed),
                (Admin, Allowed),
            ],
        },
        Row {
            path: ListUsers::PATH,
            form: |_| vec![],
            expect: [
                (Visitor, Unauthenticated),
                (User, Forbidden),
                (Admin, Allowed),
            ],
        },
        Row {
            path: SetUserAdmin::PATH,
            form: |c| {
                vec![
                    ("user_id", c.other_user_id.clone()),
                    ("admin", "true".into()),
                ]
            },
            expect: [
                (Visitor, Unauthenticated),
                (User, Forbidden),
                (Admin, Allowed),
            ],
        },
        Row {
            path: ValidateManifest::PATH,
            form: |_| vec![("source", "manifest_version: 2\n".into())],
            expect: [(Visitor, Allowed), (User, Allowed), (Admin, Allowed)],
        },
        Row {
            path: CreatePublisher::PATH,
            form: |_| vec![("slug", "x".into()), ("display_name", "X".into())],
            expect: [
                (Visitor, Unauthenticated),
                (User, Allowed),
                (Admin, Allowed),
            ],
        },
        Row {
            path: MyPublishers::PATH,
            form: |_| vec![],
            expect: [
                (Visitor, Unauthenticated),
                (User, Allowed),
                (Admin, Allowed),
            ],
        },
        Row {
            path: GetPublisher::PATH,
            form: |c| vec![("slug", c.publisher.clone())],
            expect: [
                (Visitor, Unauthenticated),
                (User, Forbidden),
                (Admin, Allowed),
            ],
        },
        Row {
            path: AddPublisherMember::PATH,
            form: |c| {
                vec![
                    ("slug", c.publisher.clone()),
                    ("email", c.other_email.clone()),
                    ("role", "owner".into()),
                ]
            },
            // Admins see every publisher but manage none they do not own.
            expect: [
                (Visitor, Unauthenticated),
                (User, Forbidden),
                (Admin, Forbidden),
            ],
        },
        Row {
            path: RemovePublisherMember::PATH,
            form: |c| {
                vec![
                    ("slug", c.publisher.clone()),
                    ("user_id", c.other_user_id.clone()),
                ]
            },
            expect: [
                (Visitor, Unauthenticated),
                (User, Forbidden),
                (Admin, Forbidden),
            ],
        },
        Row {
            path: SetPublisherVerified::PATH,
            form: |c| vec![("slug", c.publisher.clone()), ("verified", "true".into())],
            expect: [
                (Visitor, Unauthenticated),
                (User, Forbidden),
                (Admin, Allowed),
            ],
        },
        Row {
            path: PublisherExtensions::PATH,
            form: |c| vec![("slug", c.publisher.clone())],
            expect: [
                (Visitor, Unauthenticated),
                (User, Forbidden),
                (Admin, Allowed),
            ],
        },
        Row {
            path: GetExtensionOverview::PATH,
            form: |_| vec![("key", "authz-ext".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Allowed)],
        },
        Row {
            path: GetVersion::PATH,
            form: |_| vec![("key", "authz-ext".into()), ("version", "1.0.0".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Allowed)],
        },
        Row {
            path: UpdateListing::PATH,
            form: |_| {
                vec![
                    ("key", "authz-ext".into()),
                    ("summary", "Taken over".into()),
                    ("tags", "".into()),
                    ("homepage", "".into()),
                    ("repository", "".into()),
                    ("support", "".into()),
                ]
            },
            // Admins see every extension but edit no listing of a publisher they are not in.
            expect: [
                (Visitor, Unauthenticated),
                (User, Hidden),
                (Admin, Forbidden),
            ],
        },
        Row {
            path: TakeUploadRefusal::PATH,
            form: |_| vec![],
            expect: [(Visitor, Allowed), (User, Allowed), (Admin, Allowed)],
        },
        Row {
            path: GetReviewQueue::PATH,
            form: |_| vec![],
            expect: [
                (Visitor, Unauthenticated),
                (User, Forbidden),
                (Admin, Allowed),
            ],
        },
        Row {
            path: ActOnVersion::PATH,
            form: |_| {
                vec![
                    ("key", "authz-ext".into()),
                    ("version", "1.0.0".into()),
                    ("action", "withdraw".into()),
                ]
            },
            // Withdrawing is the publisher's: an admin who is not a member is refused.
            expect: [
                (Visitor, Unauthenticated),
                (User, Hidden),
                (Admin, Forbidden),
            ],
        },
        Row {
            path: ActOnVersion::PATH,
            form: |_| {
                vec![
                    ("key", "authz-ext".into()),
                    ("version", "1.0.0".into()),
                    ("action", "claim".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Allowed)],
        },
        Row {
            path: MyNotifications::PATH,
            form: |_| vec![],
            expect: [
                (Visitor, Unauthenticated),
                (User, Allowed),
                (Admin, Allowed),
            ],
        },
        Row {
            path: UnreadNotifications::PATH,
            form: |_| vec![],
            expect: [(Visitor, Allowed), (User, Allowed), (Admin, Allowed)],
        },
        Row {
            path: MarkNotificationsRead::PATH,
            form: |_| vec![],
            expect: [
                (Visitor, Unauthenticated),
                (User, Allowed),
                (Admin, Allowed),
            ],
        },
        Row {
            path: ListAudit::PATH,
            form: |_| vec![],
            expect: [
                (Visitor, Unauthenticated),
                (User, Forbidden),
                (Admin, Allowed),
            ],
        },
        Row {
            path: ListAudit::PATH,
            form: |c| vec![("publisher", c.publisher.clone())],
            expect: [
                (Visitor, Unauthenticated),
                (User, Forbidden),
                (Admin, Allowed),
            ],
        },
        Row {
            path: DeprecateExtension::PATH,
            form: |_| vec![("key", "authz-ext".into()), ("reason", "Old".into())],
            expect: [
                (Visitor, Unauthenticated),
                (User, Hidden),
                (Admin, Forbidden),
            ],
        },
        Row {
            path: UndeprecateExtension::PATH,
            form: |_| vec![("key", "authz-ext".into())],
            expect: [
                (Visitor, Unauthenticated),
                (User, Hidden),
                (Admin, Forbidden),
            ],
        },
        Row {
            path: SetPublisherSuspended::PATH,
            form: |c| vec![("slug", c.publisher.clone()), ("suspended", "false".into())],
            expect: [
                (Visitor, Unauthenticated),
                (User, Forbidden),
                (Admin, Allowed),
            ],
        },
        Row {
            path: GetPublicPublisher::PATH,
            form: |c| vec![("slug", c.publisher.clone())],
            expect: [(Visitor, Allowed), (User, Allowed), (Admin, Allowed)],
        },
        Row {
            path: CreateOrganization::PATH,
            form: |_| vec![("slug", "x".into()), ("name", "X".into())],
            expect: [
                (Visitor, Unauthenticated),
                (User, Allowed),
                (Admin, Allowed),
            ],
        },
        Row {
            path: MyOrganizations::PATH,
            form: |_| vec![],
            expect: [
                (Visitor, Unauthenticated),
                (User, Allowed),
                (Admin, Allowed),
            ],
        },
        // An organization no role of the table belongs to: not said to exist, even to marketplace
        // admins (organizations' secrets are their own business).
        Row {
            path: GetOrganization::PATH,
            form: |_| vec![("slug", "authz-org".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: AddOrgMember::PATH,
            form: |c| {
                vec![
                    ("slug", "authz-org".into()),
                    ("email", c.other_email.clone()),
                    ("role", "admin".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: RemoveOrgMember::PATH,
            form: |c| {
                vec![
                    ("slug", "authz-org".into()),
                    ("email", c.other_email.clone()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: CreateProject::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("slug", "p".into()),
                    ("name", "P".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: DeleteOrganization::PATH,
            form: |_| {
                vec![
                    ("slug", "authz-org".into()),
                    ("confirm", "authz-org".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: ListSecrets::PATH,
            form: |_| vec![("org", "authz-org".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: SetSecret::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("key", "API_TOKEN".into()),
                    ("value", "x".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: ClearSecret::PATH,
            form: |_| vec![("org", "authz-org".into()), ("key", "API_TOKEN".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        // Installing: the extension is not listed, so nobody learns of it; an organization no
        // role of the table belongs to is not said to exist.
        Row {
            path: InstallChoice::PATH,
            form: |_| vec![("key", "authz-ext".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: InstallConsent::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("project", "p".into()),
                    ("key", "authz-ext".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: BeginInstall::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("project", "p".into()),
                    ("key", "authz-ext".into()),
                    ("version", "1.0.0".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: SetupPage::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("id", "ins_x".into()),
                    ("step", "0".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: SaveSetupStep::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("id", "ins_x".into()),
                    ("step", "0".into()),
                    ("nav", "next".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: InstallationCredentials::PATH,
            form: |_| vec![("org", "authz-org".into()), ("id", "ins_x".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: GetInstallation::PATH,
            form: |_| vec![("org", "authz-org".into()), ("id", "ins_x".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: SetInstallationEnabled::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("id", "ins_x".into()),
                    ("enabled", "false".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: UninstallInstallation::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("id", "ins_x".into()),
                    ("confirm", "authz-ext".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: PreviewVersionChange::PATH,
            form: |_| vec![("org", "authz-org".into()), ("id", "ins_x".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: ChangeVersion::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("id", "ins_x".into()),
                    ("to", "1.0.0".into()),
                    ("consent", "yes".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: RotateSigningSecret::PATH,
            form: |_| vec![("org", "authz-org".into()), ("id", "ins_x".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: ReplaceRuntimeToken::PATH,
            form: |_| vec![("org", "authz-org".into()), ("id", "ins_x".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        // Deliveries and tokens: admins of the organization only; others are not told it exists.
        Row {
            path: GetDeliveryConsole::PATH,
            form: |_| vec![("org", "authz-org".into()), ("id", "ins_x".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: GetDelivery::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("id", "ins_x".into()),
                    ("delivery", "dlv_x".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: Redeliver::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("id", "ins_x".into()),
                    ("delivery", "dlv_x".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: RedeliverFailed::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("id", "ins_x".into()),
                    ("since", "2026-01-01T00:00".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: SendTestEvent::PATH,
            form: |_| {
                vec![
                    ("org", "authz-org".into()),
                    ("id", "ins_x".into()),
                    ("event", "issue.created".into()),
                ]
            },
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: GetOrgTokens::PATH,
            form: |_| vec![("org", "authz-org".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: CreateOrgToken::PATH,
            form: |_| vec![("org", "authz-org".into()), ("name", "CI".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: RevokeOrgToken::PATH,
            form: |_| vec![("org", "authz-org".into()), ("token", "otk_x".into())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: GetPersonalTokens::PATH,
            form: |_| vec![],
            expect: [
                (Visitor, Unauthenticated),
                (User, Allowed),
                (Admin, Allowed),
            ],
        },
        Row {
            path: CreatePersonalToken::PATH,
            form: |_| {
                vec![
                    ("name", "CI".into()),
                    ("scopes[0]", "read".into()),
                    ("expires_in", "30".into()),
                ]
            },
            expect: [
                (Visitor, Unauthenticated),
                (User, Allowed),
                (Admin, Allowed),
            ],
        },
        Row {
            // Another user's token, whoever asks.
            path: RevokePersonalToken::PATH,
            form: |c| vec![("token", c.other_token.clone())],
            expect: [(Visitor, Unauthenticated), (User, Hidden), (Admin, Hidden)],
        },
        Row {
            path: GetApiReference::PATH,
            form: |_| vec![],
            expect: [(Visitor, Allowed), (User, Allowed), (Admin, Allowed)],
        },
        Row {
            path: SearchCatalog::PATH,
            form: |_| vec![],
            expect: [(Visitor, Allowed), (User, Allowed), (Admin, Allowed)],
        },
        Row {
            path: CatalogFacets::PATH,
            form: |_| vec![],
            expect: [(Visitor, Allowed), (User, Allowed), (Admin, Allowed)],
        },
        Row {
            // Not listed (submitted only): not said to exist, whoever asks.
            path: GetExtensionPage::PATH,
            form: |_| vec![("key", "authz-ext".into())],
            expect: [(Visitor, Hidden), (User, Hidden), (Admin, Hidden)],
        },
        // Sign-out last: it ends the session the other rows use.
        Row {
            path: SignOut::PATH,
            form: |_| vec![],
            expect: [(Visitor, Allowed), (User, Allowed), (Admin, Allowed)],
        },
    ]
}

async fn client_for(app: &TestApp, role: Role) -> reqwest::Client {
    match role {
        Visitor => client(),
        User => app.signed_in_client(&email("user"), false).await,
        Admin => app.signed_in_client(&email("admin"), true).await,
    }
}

#[rstest]
#[case::sqlite(Engine::Sqlite)]
#[case::postgres(Engine::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_fn_refuses_the_roles_it_must(#[case] engine: Engine) {
    let Some(app) = spawn_app(engine).await else {
        return;
    };
    let other_email = email("target");
    let other_user_id = app
        .create_user(&other_email, "a long enough password", false)
        .await;
    let publisher_owner = app
        .create_user(&email("owner"), "a long enough password", false)
        .await;
    let slug = kiket_marketplace::model::publisher::PublisherSlug::parse("authz-pub").unwrap();
    kiket_marketplace::server::db::publishers::create(
        &app.state.db.pool,
        &slug,
        "Authz",
        &publisher_owner,
    )
    .await
    .unwrap();
    // An extension of that publisher, uploaded by its owner.
    let owner_user =
        kiket_marketplace::server::db::users::find_by_id(&app.state.db.pool, &publisher_owner)
            .await
            .unwrap()
            .unwrap();
    let staged = kiket_marketplace::server::packages::publish::StagedPackage::from_bytes(
        &crate::support::valid_package("authz-ext", "1.0.0"),
    )
    .await
    .unwrap();
    kiket_marketplace::server::packages::publish::publish(
        &app.state,
        &owner_user,
        "authz-pub",
        staged,
        "",
    )
    .await
    .map_err(|r| r.error)
    .unwrap();
    kiket_marketplace::server::db::organizations::create(
        &app.state.db.pool,
        "authz-org",
        "Authz Org",
        &publisher_owner,
    )
    .await
    .unwrap();
    // A personal token of another user: nobody else may revoke it.
    let other_token = {
        use kiket_marketplace::model::token::Scope;
        app.personal_token(&other_user_id, &[Scope::Read], None, None)
            .await;
        kiket_marketplace::server::db::tokens::of_user(&app.state.db.pool, &other_user_id)
            .await
            .unwrap()[0]
            .id
            .clone()
    };
    let ctx = Ctx {
        other_user_id,
        publisher: "authz-pub".into(),
        other_email,
        other_token,
    };
    let mut failures = Vec::new();
    for role in [Visitor, User, Admin] {
        let client = client_for(&app, role).await;
        for row in table() {
            let expect = row.expect.iter().find(|(r, _)| *r == role).unwrap().1;
            let form = (row.form)(&ctx);
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let status = app
                .call_with(&client, row.path, &form)
                .await
                .status()
                .as_u16();
            let ok = match expect {
                Allowed => status != 401 && status != 403,
                Unauthenticated => status == 401,
                Forbidden => status == 403,
                Hidden => status == 404,
            };
            if !ok {
                failures.push(format!(
                    "{} as {role:?}: expected {expect:?}, got {status}",
                    row.path
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "authorization table violated:\n{}",
        failures.join("\n")
    );
}
