//! `/orgs/{org}/secrets` and `/orgs/{org}/projects/{project}/secrets`: the secrets of an
//! organization or a project. Write-only: values go in and are never shown again, not even as a
//! form's default. Members see keys and metadata; admins set, replace and clear.

use crate::api::auth::kept_input;
use crate::api::orgs::{list_secrets, ClearSecret, SetSecret};
use crate::components::form::{field_error, Field, FormMessage, Submit};
use crate::components::status::ErrorNotice;
use crate::components::time::When;
use crate::model::secret::{SecretList, SecretMeta};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The secrets page of an organization (`project` absent) or a project.
#[component]
pub fn SecretsPage() -> impl IntoView {
    let params = use_params_map();
    let (org, project) =
        params.with_untracked(|p| (p.get("org").unwrap_or_default(), p.get("project")));
    let set = ServerAction::<SetSecret>::new();
    let clear = ServerAction::<ClearSecret>::new();
    let list = Resource::new(
        move || (set.version().get(), clear.version().get()),
        move |_| list_secrets(org.clone(), project.clone()),
    );
    // Taken once, here: the key a plain form post typed before its error (never the value).
    let kept = Resource::new(|| (), |_| kept_input("set_secret".into()));
    view! {
        <Title text="Secrets" />
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let kept = kept.await.unwrap_or_default();
                match list.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(l) => view! { <Secrets l set clear kept_key=kept.get("key").cloned().unwrap_or_default() /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn status(s: &SecretMeta) -> impl IntoView {
    view! {
        "set · updated " <When ms=s.updated_at />
        {s.updated_by.clone().map(|by| format!(" by {by}"))}
    }
}

#[component]
fn Secrets(
    l: SecretList,
    set: ServerAction<SetSecret>,
    clear: ServerAction<ClearSecret>,
    kept_key: String,
) -> impl IntoView {
    let title = match &l.project {
        Some((_, name)) => format!("Secrets of {name}"),
        None => format!("Secrets of {}", l.org_name),
    };
    let project = l.project.clone().map(|(slug, _)| slug).unwrap_or_default();
    let scope_note = if l.project.is_some() {
        "Project secrets are used by this project's installations when neither the installation nor the extension's organization-wide settings hold the key."
    } else {
        "Organization secrets are used by every project's installations when no more specific scope holds the key."
    };
    let manage = l.can_manage;
    view! {
        <Title text=title.clone() />
        <section class="page">
            <p>
                <a href=format!("/orgs/{}", l.org)>{format!("← {}", l.org_name)}</a>
            </p>
            <h1>{title}</h1>
            <p>{scope_note}" Values are encrypted and never shown again, to anyone."</p>
            {(!manage).then(|| view! {
                <p class="notice" role="status">"Only admins of this organization can set, replace or clear secrets."</p>
            })}
            <FormMessage action=clear />
            {if l.secrets.is_empty() {
                view! { <div class="empty-state"><p>"No secrets here yet."</p></div> }.into_any()
            } else {
                view! {
                    <table class="table secrets">
                        <caption class="visually-hidden">"Secrets"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Key"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Version"</th>
                                {manage.then(|| view! { <th scope="col">"Replace"</th><th scope="col">"Clear"</th> })}
                            </tr>
                        </thead>
                        <tbody>
                            {l.secrets.iter().map(|s| {
                                let org = l.org.clone();
                                let project = project.clone();
                                let key = s.key.clone();
                                view! {
                                    <tr>
                                        <th scope="row"><code>{s.key.clone()}</code></th>
                                        <td>{status(s)}</td>
                                        <td>
                                            {format!("v{}", s.version)}
                                            {(s.rotation_count > 0).then(|| format!(" · replaced {} time{}", s.rotation_count, if s.rotation_count == 1 { "" } else { "s" }))}
                                        </td>
                                        {manage.then(|| {
                                            let (org2, project2, key2) = (org.clone(), project.clone(), key.clone());
                                            let id = format!("replace-{}", key);
                                            view! {
                                                <td>
                                                    <ActionForm action=set attr:class="inline-form">
                                                        <input type="hidden" name="org" value=org />
                                                        <input type="hidden" name="project" value=project />
                                                        <input type="hidden" name="key" value=key.clone() />
                                                        <label class="visually-hidden" for=id.clone()>{format!("New value of {key}")}</label>
                                                        <input id=id type="password" name="value" autocomplete="off" required=true />
                                                        <button type="submit" class="button small">{format!("Replace {key}")}</button>
                                                    </ActionForm>
                                                </td>
                                                <td>
                                                    <ActionForm action=clear attr:class="inline-form">
                                                        <input type="hidden" name="org" value=org2 />
                                                        <input type="hidden" name="project" value=project2 />
                                                        <input type="hidden" name="key" value=key2.clone() />
                                                        <button type="submit" class="button small danger">{format!("Clear {key2}")}</button>
                                                    </ActionForm>
                                                </td>
                                            }
                                        })}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            {manage.then(|| {
                let org = l.org.clone();
                let project = project.clone();
                view! {
                    <h2>"Set a secret"</h2>
                    <div class="narrow-form">
                        <ActionForm action=set>
                            <FormMessage action=set />
                            <input type="hidden" name="org" value=org />
                            <input type="hidden" name="project" value=project />
                            <Field form="secret" name="key" label="Key" value=kept_key.clone()
                                hint="UPPER_SNAKE, like SLACK_BOT_TOKEN. Setting an existing key replaces its value."
                                error=field_error(set, "key") required=true autocomplete="off" />
                            <Field form="secret" name="value" label="Value" kind="password"
                                error=field_error(set, "value") required=true autocomplete="off"
                                clear_after=Signal::derive(move || set.version().get()) />
                            <Submit action=set label="Set secret" busy="Saving…" />
                        </ActionForm>
                    </div>
                }
            })}
        </section>
    }
}
