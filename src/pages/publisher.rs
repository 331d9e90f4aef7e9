//! `/publishers/{slug}`: a publisher's dashboard, for its members: its extensions with every
//! version's state and findings, and its members; owners add and remove members, marketplace
//! admins verify the publisher.

use crate::api::auth::kept_input;
use crate::api::catalog::get_public_publisher;
use crate::api::extensions::publisher_extensions;
use crate::api::publishers::{
    get_publisher, AddPublisherMember, RemovePublisherMember, SetPublisherSuspended,
    SetPublisherVerified,
};
use crate::components::form::{field_error, Field, FormMessage, Submit};
use crate::components::status::ErrorNotice;
use crate::model::catalog::PublicPublisher;
use crate::model::extension::{version_path, ExtensionOverview};
use crate::model::publisher::{PublisherDetail, PublisherRole};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

/// A publisher's page: public (its listed extensions) for everyone, the management page for its
/// members and marketplace admins.
#[component]
pub fn PublisherPage() -> impl IntoView {
    let params = use_params_map();
    let slug = params.with_untracked(|p| p.get("slug").unwrap_or_default());
    // Created here, once: the kept input can only be taken once.
    let kept = Resource::new(|| (), |_| kept_input("add_member".into()));
    let public = Resource::new(move || slug.clone(), get_public_publisher);
    view! {
        <Title text="Publisher" />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match public.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(p) if p.can_manage => view! { <Members slug=p.slug.clone() kept /> }.into_any(),
                    Ok(p) => view! { <PublicView p /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// What everyone sees of a publisher.
#[component]
fn PublicView(p: PublicPublisher) -> impl IntoView {
    view! {
        <Title text=p.display_name.clone() />
        <Meta
            name="description"
            content=format!("Extensions for Kiket projects published by {}.", p.display_name)
        />
        <section class="page">
            <h1>
                {p.display_name.clone()} " "
                {p.verified.then(|| view! { <span class="badge verified">"verified"</span> })}
            </h1>
            <h2>"Extensions"</h2>
            {if p.extensions.is_empty() {
                view! { <div class="empty-state"><p>"No listed extensions yet."</p></div> }.into_any()
            } else {
                view! {
                    <ul class="cards catalog">
                        {p.extensions.into_iter().map(|card| view! {
                            <crate::components::card::ExtensionCard card />
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// Input kept from a plain form post.
pub type Kept =
    Resource<Result<std::collections::BTreeMap<String, String>, crate::error::AppError>>;

#[component]
fn Members(slug: String, kept: Kept) -> impl IntoView {
    let add = ServerAction::<AddPublisherMember>::new();
    let remove = ServerAction::<RemovePublisherMember>::new();
    let verify = ServerAction::<SetPublisherVerified>::new();
    let suspend = ServerAction::<SetPublisherSuspended>::new();
    let detail = {
        let slug = slug.clone();
        Resource::new(
            move || {
                (
                    add.version().get(),
                    remove.version().get(),
                    verify.version().get(),
                    suspend.version().get(),
                )
            },
            move |_| get_publisher(slug.clone()),
        )
    };
    // Loaded here beside the detail, not in a resource of its own further down: resources
    // created inside already-resolved content do not hydrate.
    let extensions = Resource::new(|| (), move |_| publisher_extensions(slug.clone()));
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let kept = kept.await.unwrap_or_default();
                let extensions = extensions.await;
                match detail.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(d) => view! { <Detail d kept extensions add remove verify suspend /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(
    d: PublisherDetail,
    kept: std::collections::BTreeMap<String, String>,
    extensions: Result<Vec<ExtensionOverview>, crate::error::AppError>,
    add: ServerAction<AddPublisherMember>,
    remove: ServerAction<RemovePublisherMember>,
    verify: ServerAction<SetPublisherVerified>,
    suspend: ServerAction<SetPublisherSuspended>,
) -> impl IntoView {
    let slug = d.publisher.slug.clone();
    let owners = d
        .members
        .iter()
        .filter(|m| m.role == PublisherRole::Owner)
        .count();
    let can_manage = d.can_manage;
    let email = kept.get("email").cloned().unwrap_or_default();
    let kept_role = kept
        .get("role")
        .cloned()
        .unwrap_or_else(|| "maintainer".into());
    view! {
        <Title text=d.publisher.display_name.clone() />
        <section class="page">
            <p><a href="/publish">"← Your publishers"</a></p>
            <h1>
                {d.publisher.display_name.clone()} " "
                {d.publisher.verified.then(|| view! { <span class="badge verified">"verified"</span> })}
            </h1>
            <p class="hint">
                {format!("Slug: {} · ", d.publisher.slug)}
                <a href=format!("/publishers/{}/audit", d.publisher.slug)>"Audit log"</a>
            </p>
            {d.suspension.clone().map(|reason| view! {
                <div class="notice error-notice" role="status">
                    <p><strong>"Suspended by a marketplace admin: "</strong>{reason}</p>
                    <p>"Its listings are hidden from the catalog until it is reinstated."</p>
                </div>
            })}
            {d.can_verify.then(|| {
                let slug = slug.clone();
                let next = !d.publisher.verified;
                view! {
                    <ActionForm action=verify>
                        <FormMessage action=verify />
                        <input type="hidden" name="slug" value=slug />
                        <input type="hidden" name="verified" value=next.to_string() />
                        <button type="submit" class="button">
                            {if next { "Mark as verified" } else { "Remove verification" }}
                        </button>
                    </ActionForm>
                }
            })}
            {d.can_verify.then(|| {
                let slug = slug.clone();
                let suspended = d.suspension.is_some();
                view! {
                    <ActionForm action=suspend attr:class="narrow-form">
                        <FormMessage action=suspend />
                        <input type="hidden" name="slug" value=slug />
                        <input type="hidden" name="suspended" value={(!suspended).to_string()} />
                        {(!suspended).then(|| view! {
                            <Field form="suspend" name="reason" label="Reason for suspending"
                                error=field_error(suspend, "reason") hint="The publisher's members read it; its listings are hidden." />
                        })}
                        <button type="submit" class="button danger">
                            {if suspended { "Reinstate publisher" } else { "Suspend publisher" }}
                        </button>
                    </ActionForm>
                }
            })}
            <Extensions list=extensions />
            <h2>"Members"</h2>
            <FormMessage action=remove />
            <table class="table">
                <caption class="visually-hidden">"Members of this publisher"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        {d.can_manage.then(|| view! { <th scope="col">"Action"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {d.members.clone().into_iter().map(|m| {
                        let last_owner = m.role == PublisherRole::Owner && owners == 1;
                        let slug = slug.clone();
                        let label = format!("Remove: {}", m.display_name);
                        view! {
                            <tr>
                                <td>{m.display_name.clone()}</td>
                                <td>{m.email.clone()}</td>
                                <td>{if m.role == PublisherRole::Owner { "Owner" } else { "Maintainer" }}</td>
                                {can_manage.then(|| view! {
                                    <td>
                                        {if last_owner {
                                            view! { <span class="hint">"Last owner"</span> }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=remove>
                                                    <input type="hidden" name="slug" value=slug />
                                                    <input type="hidden" name="user_id" value=m.user_id />
                                                    <button type="submit" class="button small" aria-label=label>"Remove"</button>
                                                </ActionForm>
                                            }.into_any()
                                        }}
                                    </td>
                                })}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {d.can_manage.then(|| {
                let slug = slug.clone();
                view! {
                    <h2>"Add a member"</h2>
                    <div class="narrow-form">
                        <ActionForm action=add>
                            <FormMessage action=add />
                            <input type="hidden" name="slug" value=slug />
                            <Field form="member" name="email" label="Email of their account" kind="email" value=email.clone()
                                error=field_error(add, "email") required=true />
                            <div class="field">
                                <label for="member-role">"Role"</label>
                                <select id="member-role" name="role">
                                    <option value="maintainer" selected=kept_role == "maintainer">"Maintainer — uploads versions, edits listings"</option>
                                    <option value="owner" selected=kept_role == "owner">"Owner — also manages members"</option>
                                </select>
                            </div>
                            <Submit action=add label="Add member" busy="Adding…" />
                        </ActionForm>
                    </div>
                }
            })}
        </section>
    }
}

#[component]
fn Extensions(list: Result<Vec<ExtensionOverview>, crate::error::AppError>) -> impl IntoView {
    view! {
        <h2>"Extensions"</h2>
        {match list {
            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
            Ok(list) if list.is_empty() => view! {
                <div class="empty-state">
                    <p>
                        "No extensions yet. "
                        <a href="/publish#upload">"Upload a package"</a>
                        " — its first version registers the extension key for this publisher."
                    </p>
                </div>
            }.into_any(),
            Ok(list) => list.into_iter().map(|e| view! { <ExtensionVersions e /> }).collect_view().into_any(),
        }}
    }
}

/// One extension and its versions, highest first.
#[component]
pub fn ExtensionVersions(e: ExtensionOverview) -> impl IntoView {
    let key = e.key.clone();
    view! {
        <section class="extension-block" aria-labelledby=format!("ext-{}", e.key)>
            <h3 id=format!("ext-{}", e.key)>
                <a href=format!("/publish/extensions/{}", e.key)>{e.name.clone()}</a>
                " " <code class="hint">{e.key.clone()}</code>
            </h3>
            <p class="hint">{e.listing.summary.clone()}</p>
            <table class="table">
                <caption class="visually-hidden">{format!("Versions of {}", e.name)}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Version"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Findings"</th>
                        <th scope="col">"Uploaded"</th>
                    </tr>
                </thead>
                <tbody>
                    {e.versions.into_iter().map(|v| {
                        let href = version_path(&key, &v.version);
                        view! {
                            <tr>
                                <td>
                                    <a href=href>{v.version.clone()}</a>
                                    {v.prerelease.then(|| view! { " " <span class="badge">"pre-release"</span> })}
                                </td>
                                <td>
                                    <span class=format!("badge state-{}", v.state.as_str())>{v.state.label()}</span>
                                    {v.yanked.then(|| view! { " " <span class="badge state-yanked">"yanked"</span> })}
                                    {v.revoked.then(|| view! { " " <span class="badge state-revoked">"revoked"</span> })}
                                </td>
                                <td>{match v.findings.warnings {
                                    0 => "none".to_string(),
                                    1 => "1 warning".to_string(),
                                    n => format!("{n} warnings"),
                                }}</td>
                                <td><crate::components::time::When ms=v.created_at /></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
