//! `/orgs/{org}`: an organization's projects and members, for its members; admins create
//! projects and manage members.

use crate::api::orgs::{
    get_organization, AddOrgMember, CreateProject, DeleteOrganization, RemoveOrgMember,
};
use crate::components::form::{field_error, Field, FormMessage, Submit};
use crate::components::status::ErrorNotice;
use crate::model::organization::{OrgDetail, OrgRole};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// An organization's page.
#[component]
pub fn OrgPage() -> impl IntoView {
    let slug = use_params_map().with_untracked(|p| p.get("org").unwrap_or_default());
    let add = ServerAction::<AddOrgMember>::new();
    let remove = ServerAction::<RemoveOrgMember>::new();
    let project = ServerAction::<CreateProject>::new();
    let delete = ServerAction::<DeleteOrganization>::new();
    let detail = Resource::new(
        move || {
            (
                add.version().get(),
                remove.version().get(),
                project.version().get(),
            )
        },
        move |_| get_organization(slug.clone()),
    );
    view! {
        <Title text="Organization" />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(d) => view! { <Detail d add remove project delete /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(
    d: OrgDetail,
    add: ServerAction<AddOrgMember>,
    remove: ServerAction<RemoveOrgMember>,
    project: ServerAction<CreateProject>,
    delete: ServerAction<DeleteOrganization>,
) -> impl IntoView {
    let admin = d.role == OrgRole::Admin;
    let slug = d.slug.clone();
    let admins = d
        .members
        .iter()
        .filter(|m| m.role == OrgRole::Admin)
        .count();
    view! {
        <Title text=d.name.clone() />
        <section class="page">
            <p><a href="/orgs">"← Your organizations"</a></p>
            <h1>{d.name.clone()}</h1>
            <p class="hint">
                {format!("You are {} here · ", if admin { "an admin" } else { "a member" })}
                <a href=format!("/orgs/{}/secrets", d.slug)>"Organization secrets"</a>
                {admin.then(|| view! { " · " <a href=format!("/orgs/{}/tokens", d.slug)>"Tokens for the events API"</a> })}
            </p>
            <h2>"Projects"</h2>
            {if d.projects.is_empty() {
                view! { <div class="empty-state"><p>"No projects yet."</p></div> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <caption class="visually-hidden">"Projects"</caption>
                        <thead><tr><th scope="col">"Project"</th><th scope="col">"Slug"</th><th scope="col">"Secrets"</th></tr></thead>
                        <tbody>
                            {d.projects.clone().into_iter().map(|p| view! {
                                <tr>
                                    <td>{p.name.clone()}</td>
                                    <td><code>{p.slug.clone()}</code></td>
                                    <td><a href=format!("/orgs/{}/projects/{}/secrets", d.slug, p.slug)>{format!("Secrets of {}", p.name)}</a></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {admin.then(|| {
                let slug = slug.clone();
                view! {
                    <div class="narrow-form">
                        <ActionForm action=project>
                            <FormMessage action=project />
                            <input type="hidden" name="org" value=slug />
                            <Field form="project" name="name" label="Project name" error=field_error(project, "name") required=true />
                            <Field form="project" name="slug" label="Project slug" error=field_error(project, "slug") required=true />
                            <Submit action=project label="Create project" busy="Creating…" />
                        </ActionForm>
                    </div>
                }
            })}
            <h2>"Installed extensions"</h2>
            {if d.installations.is_empty() {
                view! {
                    <div class="empty-state">
                        <p>"No extensions installed yet."</p>
                        <p><a href="/extensions">"Browse the catalog"</a>" and press Install on an extension's page."</p>
                    </div>
                }.into_any()
            } else {
                view! {
                    <table class="table">
                        <caption class="visually-hidden">"Installed extensions"</caption>
                        <thead><tr><th scope="col">"Extension"</th><th scope="col">"Project"</th><th scope="col">"Version"</th><th scope="col">"Status"</th></tr></thead>
                        <tbody>
                            {d.installations.clone().into_iter().map(|i| view! {
                                <tr>
                                    <td><a href=format!("/orgs/{}/installations/{}", d.slug, i.id)>{i.extension.1.clone()}</a></td>
                                    <td>{i.project.1.clone()}</td>
                                    <td>{i.version.clone()}</td>
                                    <td><span class=format!("badge status-{}", i.status.as_str())>{i.status.label()}</span></td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h2>"Members"</h2>
            <FormMessage action=remove />
            <table class="table">
                <caption class="visually-hidden">"Members of this organization"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        {admin.then(|| view! { <th scope="col">"Action"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {d.members.clone().into_iter().map(|m| {
                        let last_admin = m.role == OrgRole::Admin && admins == 1;
                        let slug = slug.clone();
                        let label = format!("Remove: {}", m.display_name);
                        view! {
                            <tr>
                                <td>{m.display_name.clone()}</td>
                                <td>{m.email.clone()}</td>
                                <td>{m.role.label()}</td>
                                {admin.then(|| view! {
                                    <td>
                                        {if last_admin {
                                            view! { <span class="hint">"Last admin"</span> }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=remove>
                                                    <input type="hidden" name="slug" value=slug />
                                                    <input type="hidden" name="email" value=m.email.clone() />
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
            {admin.then(|| {
                let slug = slug.clone();
                view! {
                    <h2>"Add a member"</h2>
                    <div class="narrow-form">
                        <ActionForm action=add>
                            <FormMessage action=add />
                            <input type="hidden" name="slug" value=slug />
                            <Field form="org-member" name="email" label="Email of their account" kind="email"
                                error=field_error(add, "email") required=true />
                            <div class="field">
                                <label for="org-member-role">"Role"</label>
                                <select id="org-member-role" name="role">
                                    <option value="member" selected=true>"Member — sees installations and secret names"</option>
                                    <option value="admin">"Admin — installs, configures, manages secrets and members"</option>
                                </select>
                            </div>
                            <Submit action=add label="Add member" busy="Adding…" />
                        </ActionForm>
                    </div>
                }
            })}
            {admin.then(|| {
                let slug = slug.clone();
                view! {
                    <h2>"Delete this organization"</h2>
                    <p>
                        "Its projects, members and secrets are deleted with it. Its encryption key is "
                        "destroyed, so no copy of its secrets, backups included, can be read again."
                    </p>
                    <div class="narrow-form">
                        <ActionForm action=delete>
                            <FormMessage action=delete />
                            <input type="hidden" name="slug" value=slug.clone() />
                            <Field form="delete-org" name="confirm" label="Type the organization's slug to confirm"
                                error=field_error(delete, "confirm") required=true autocomplete="off" />
                            <button type="submit" class="button danger">"Delete organization"</button>
                        </ActionForm>
                    </div>
                }
            })}
        </section>
    }
}
