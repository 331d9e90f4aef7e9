//! `/orgs/{org}/installations/{id}/version?to=V`: upgrading or rolling back an installation.
//! Shows the release notes in between, what changes, and asks consent for added permissions.

use crate::api::installs::{preview_version_change, ChangeVersion};
use crate::components::form::{field_error, FormMessage, Submit};
use crate::components::status::ErrorNotice;
use crate::model::installation::VersionChange;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The version change page.
#[component]
pub fn VersionChangePage() -> impl IntoView {
    let params = use_params_map();
    let (org, id) = params.with_untracked(|p| {
        (
            p.get("org").unwrap_or_default(),
            p.get("id").unwrap_or_default(),
        )
    });
    let to = use_query_map().with_untracked(|q| q.get("to"));
    let change = ServerAction::<ChangeVersion>::new();
    let preview = Resource::new(
        || (),
        move |_| preview_version_change(org.clone(), id.clone(), to.clone()),
    );
    view! {
        <Title text="Change version" />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match preview.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(c) => view! { <Change c change /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn list(title: &'static str, items: &[String]) -> impl IntoView {
    (!items.is_empty()).then(|| {
        view! {
            <h3>{title}</h3>
            <ul>{items.iter().map(|i| view! { <li><code>{i.clone()}</code></li> }).collect_view()}</ul>
        }
    })
}

#[component]
fn Change(c: VersionChange, change: ServerAction<ChangeVersion>) -> impl IntoView {
    let verb = if c.upgrade { "Upgrade" } else { "Roll back" };
    let title = format!("{verb} {} from {} to {}", c.extension.1, c.from, c.to);
    let consent = !c.needs_consent.is_empty();
    let d = c.diff.clone();
    let nothing = d.is_empty();
    view! {
        <Title text=title.clone() />
        <section class="page narrow version-change">
            <p><a href=format!("/orgs/{}/installations/{}", c.org.0, c.installation)>{format!("← {} in {}", c.extension.1, c.project.1)}</a></p>
            <h1>{title}</h1>
            <h2>"What changes"</h2>
            {nothing.then(|| view! { <p>"Permissions, events, settings and the delivery address stay the same."</p> })}
            {list("Permissions added", &d.permissions_added)}
            {list("Permissions removed", &d.permissions_removed)}
            {list("Events added", &d.events_added)}
            {list("Events removed", &d.events_removed)}
            {list("Settings added", &d.settings_added)}
            {list("Settings removed", &d.settings_removed)}
            {(!d.settings_retyped.is_empty()).then(|| view! {
                <h3>"Settings retyped"</h3>
                <ul>{d.settings_retyped.iter().map(|t| view! { <li><code>{t.key.clone()}</code>{format!(": {} → {}", t.before, t.after)}</li> }).collect_view()}</ul>
            })}
            {d.delivery_changed.clone().map(|(before, after)| view! {
                <h3>"Where data goes"</h3>
                <p class:warning=d.host_changed>{format!("{before} → {after}")}</p>
            })}
            {(!c.new_required.is_empty()).then(|| view! {
                <p class="notice">{format!("It needs settings this installation does not have yet ({}): the setup wizard opens next.", c.new_required.join(", "))}</p>
            })}
            <h2>"Release notes"</h2>
            {if c.release_notes.is_empty() {
                view! { <p>"No release notes."</p> }.into_any()
            } else {
                view! {
                    <dl class="release-notes">
                        {c.release_notes.iter().map(|(v, n)| view! {
                            <dt>{v.clone()}</dt>
                            <dd><pre class="notes">{if n.is_empty() { "—".to_string() } else { n.clone() }}</pre></dd>
                        }).collect_view()}
                    </dl>
                }.into_any()
            }}
            {c.changelog_html.clone().map(|html| view! {
                <details>
                    <summary>{format!("Changelog of {}", c.to)}</summary>
                    <div class="prose" inner_html=html></div>
                </details>
            })}
            <ActionForm action=change>
                <FormMessage action=change />
                <input type="hidden" name="org" value=c.org.0.clone() />
                <input type="hidden" name="id" value=c.installation.clone() />
                <input type="hidden" name="to" value=c.to.clone() />
                {consent.then(|| view! {
                    <fieldset class="consent">
                        <legend>"New permissions"</legend>
                        <ul class="permissions">
                            {c.needs_consent.iter().map(|p| view! { <li>{p.description.clone()}" " <code>{p.scope.clone()}</code></li> }).collect_view()}
                        </ul>
                        <label class="choice" for="consent">
                            <input type="checkbox" id="consent" name="consent" value="yes" aria-describedby="consent-error" />
                            {format!("Grant {} these permissions", c.extension.1)}
                        </label>
                        <p class="field-error" id="consent-error" role="alert">{move || field_error(change, "consent").get()}</p>
                    </fieldset>
                })}
                <Submit action=change label=if c.upgrade { "Upgrade" } else { "Roll back" } busy="Changing…" />
            </ActionForm>
        </section>
    }
}
