//! `/publish/extensions/{key}`: an extension for its publisher's members — the listing editor and
//! every version with its state and findings.

use crate::api::auth::kept_input;
use crate::api::extensions::{
    get_extension_overview, DeprecateExtension, UndeprecateExtension, UpdateListing,
};
use crate::components::auth::SignedIn;
use crate::components::form::{field_error, Field, FormMessage, Submit};
use crate::components::status::ErrorNotice;
use crate::components::time::When;
use crate::model::extension::{ExtensionOverview, MAX_CATEGORIES};
use crate::model::manifest::names::CATEGORIES;
use crate::pages::publisher::{ExtensionVersions, Kept};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The extension management page.
#[component]
pub fn ExtensionAdminPage() -> impl IntoView {
    let params = use_params_map();
    let key = params.with_untracked(|p| p.get("key").unwrap_or_default());
    let kept = {
        let key = key.clone();
        Resource::new(|| (), move |_| kept_input(format!("listing:{key}")))
    };
    let next = format!("/publish/extensions/{key}");
    view! {
        <Title text="Extension" />
        <SignedIn next=next let:_user>
            <Manage key=key.clone() kept />
        </SignedIn>
    }
}

#[component]
fn Manage(key: String, kept: Kept) -> impl IntoView {
    let update = ServerAction::<UpdateListing>::new();
    let deprecate = ServerAction::<DeprecateExtension>::new();
    let undeprecate = ServerAction::<UndeprecateExtension>::new();
    let overview = Resource::new(
        move || {
            (
                update.version().get(),
                deprecate.version().get(),
                undeprecate.version().get(),
            )
        },
        move |_| get_extension_overview(key.clone()),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let kept = kept.await.unwrap_or_default();
                match overview.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(o) => view! { <Overview o kept update deprecate undeprecate /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Overview(
    o: ExtensionOverview,
    kept: std::collections::BTreeMap<String, String>,
    update: ServerAction<UpdateListing>,
    deprecate: ServerAction<DeprecateExtension>,
    undeprecate: ServerAction<UndeprecateExtension>,
) -> impl IntoView {
    let saved = use_query_map().with_untracked(|q| q.get("saved").is_some());
    let chosen: Vec<String> = kept
        .get("categories")
        .map(|c| {
            c.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_else(|| o.listing.categories.clone());
    let kept_deprecation = (
        kept.get("reason").cloned().unwrap_or_default(),
        kept.get("replacement").cloned().unwrap_or_default(),
        kept.get("deadline").cloned().unwrap_or_default(),
    );
    let value = move |k: &str, current: String| kept.get(k).cloned().unwrap_or(current);
    let l = o.listing.clone();
    view! {
        <Title text=format!("{} — listing", o.name) />
        <section class="page">
            <p><a href=format!("/publishers/{}", o.publisher)>{format!("← {}", o.publisher_name)}</a></p>
            <h1>{o.name.clone()} " " <code class="hint">{o.key.clone()}</code></h1>
            <p class="hint">
                {match crate::model::extension::latest(&o.versions) {
                    Some(v) => format!("Latest version: {} — the one new installs get.", v.version),
                    None => "No published version yet: the extension is not listed.".into(),
                }}
            </p>
            {o.deprecation.clone().map(|d| view! {
                <div class="notice warning-notice" role="status">
                    <p><strong>"Deprecated: "</strong>{d.reason.clone()}</p>
                    {d.replacement.clone().map(|r| view! { <p>"Use instead: " <code>{r}</code></p> })}
                    {d.deadline.map(|ms| view! { <p>"New installs are refused from " <When ms /> "."</p> })}
                </div>
            })}
            <ExtensionVersions e=o.clone() />
            {o.can_edit.then(|| {
                let key = o.key.clone();
                view! {
                <h2 id="listing">"Listing"</h2>
                <p class="hint">"What the catalog shows about this extension. The first upload filled it from the manifest."</p>
                <div class="narrow-form">
                    <ActionForm action=update>
                        <FormMessage action=update />
                        {move || (saved && update.value().get().is_none()).then(|| view! {
                            <p class="notice ok" role="status">"Listing saved."</p>
                        })}
                        {move || matches!(update.value().get(), Some(Ok(()))).then(|| view! {
                            <p class="notice ok" role="status">"Listing saved."</p>
                        })}
                        <input type="hidden" name="key" value=o.key.clone() />
                        <Field form="listing" name="summary" label="Summary" value=value("summary", l.summary.clone())
                            error=field_error(update, "summary") hint="One sentence for cards and search results, at most 200 characters." required=true />
                        <fieldset class="field" aria-describedby="listing-categories-error">
                            <legend>{format!("Categories (at most {MAX_CATEGORIES})")}</legend>
                            <div class="choices">
                                {CATEGORIES.iter().enumerate().map(|(i, c)| {
                                    let checked = chosen.iter().any(|x| x == c);
                                    view! {
                                        <label class="choice">
                                            <input type="checkbox" name=format!("categories[{i}]") value=*c checked=checked />
                                            {c.replace('_', " ")}
                                        </label>
                                    }
                                }).collect_view()}
                            </div>
                            <p class="field-error" id="listing-categories-error" role="alert">{move || field_error(update, "categories").get()}</p>
                        </fieldset>
                        <Field form="listing" name="tags" label="Tags" value=value("tags", l.tags.join(", "))
                            error=field_error(update, "tags") hint="Comma-separated, at most 10: lower-case letters, digits and dashes." />
                        <Field form="listing" name="homepage" label="Homepage" kind="url" value=value("homepage", l.homepage.clone().unwrap_or_default())
                            error=field_error(update, "homepage") hint="An https:// address." />
                        <Field form="listing" name="repository" label="Source repository" kind="url" value=value("repository", l.repository.clone().unwrap_or_default())
                            error=field_error(update, "repository") hint="An https:// address." />
                        <Field form="listing" name="support" label="Support" value=value("support", l.support.clone().unwrap_or_default())
                            error=field_error(update, "support") hint="Where users get help: an email address or an https:// address." />
                        <Submit action=update label="Save listing" busy="Saving…" />
                    </ActionForm>
                </div>
                <h2 id="deprecation">"Deprecation"</h2>
                {if o.deprecation.is_some() {
                    view! {
                        <ActionForm action=undeprecate>
                            <FormMessage action=undeprecate />
                            <input type="hidden" name="key" value=key.clone() />
                            <button type="submit" class="button">"Lift the deprecation"</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! {
                        <p class="hint">"A deprecated extension shows a banner on its page; after the deadline, new installs are refused. Installed projects keep working."</p>
                        <div class="narrow-form">
                            <ActionForm action=deprecate>
                                <FormMessage action=deprecate />
                                <input type="hidden" name="key" value=key.clone() />
                                <Field form="deprecate" name="reason" label="Reason" value=kept_deprecation.0.clone()
                                    error=field_error(deprecate, "reason") required=true />
                                <Field form="deprecate" name="replacement" label="Replacement extension key" value=kept_deprecation.1.clone()
                                    error=field_error(deprecate, "replacement") hint="Optional: the extension to use instead." />
                                <Field form="deprecate" name="deadline" label="Deadline" kind="date" value=kept_deprecation.2.clone()
                                    error=field_error(deprecate, "deadline") hint="Optional (YYYY-MM-DD): new installs are refused from this day." />
                                <button type="submit" class="button danger">"Deprecate"</button>
                            </ActionForm>
                        </div>
                    }.into_any()
                }}
                }
            })}
        </section>
    }
}
