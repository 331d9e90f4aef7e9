//! `/publish`: uploading a version, the publishers you belong to, and creating one.

use crate::api::auth::kept_input;
use crate::api::extensions::take_upload_refusal;
use crate::api::publishers::{my_publishers, CreatePublisher};
use crate::components::auth::SignedIn;
use crate::components::form::{field_error, Field, FormMessage, Submit};
use crate::components::status::ErrorNotice;
use crate::components::upload::UploadForm;
use crate::model::extension::UploadRefusal;
use crate::model::publisher::PublisherRole;
use leptos::prelude::*;
use leptos_meta::Title;

/// Where a signed-in user publishes extensions.
#[component]
pub fn PublishPage() -> impl IntoView {
    // Created once per page, outside the sign-in guard (whose content may be built more than once
    // while rendering): the kept input can only be taken once.
    let kept = Resource::new(|| (), |_| kept_input("create_publisher".into()));
    let refusal = Resource::new(|| (), |_| take_upload_refusal());
    view! {
        <Title text="Publish" />
        <SignedIn next="/publish" let:_user>
            <Publish kept refusal />
        </SignedIn>
    }
}

#[component]
fn Publish(
    kept: crate::pages::publisher::Kept,
    refusal: Resource<Result<Option<UploadRefusal>, crate::error::AppError>>,
) -> impl IntoView {
    let create = ServerAction::<CreatePublisher>::new();
    let mine = Resource::new(move || create.version().get(), |_| my_publishers());
    view! {
        <section class="page">
            <h1>"Publish"</h1>
            <p>
                "Extensions are published by publishers: a team with owners and maintainers. "
                "Each version goes through automated checks and a review before it is listed."
            </p>
            <p>
                <a href="/publish/validate">"Validate a manifest"</a>
                " — see its problems and the setup wizard it generates before you upload."
            </p>
            <h2 id="upload-title">"Upload a version"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let refusal = refusal.await.ok().flatten();
                    match mine.await {
                        Ok(list) if !list.is_empty() => view! {
                            <UploadForm publishers=list refusal />
                        }.into_any(),
                        _ => view! {
                            <p class="hint">"Create a publisher (below) or join one to upload extensions."</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <h2>"Your publishers"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match mine.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <div class="empty-state">
                                <p>"You are not a member of any publisher yet. Create one below, or ask an owner to add you."</p>
                            </div>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="cards">
                                {list.into_iter().map(|p| view! {
                                    <li class="card">
                                        <a href=format!("/publishers/{}", p.slug)>{p.display_name.clone()}</a>
                                        " "
                                        {p.verified.then(|| view! { <span class="badge verified">"verified"</span> })}
                                        <p class="hint">
                                            {format!("{} · you are {}", p.slug, match p.role {
                                                Some(PublisherRole::Owner) => "an owner",
                                                _ => "a maintainer",
                                            })}
                                        </p>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Transition>
            <h2>"Create a publisher"</h2>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let kept = kept.await.unwrap_or_default();
                    let value = move |k: &str| kept.get(k).cloned().unwrap_or_default();
                    view! {
                        <div class="narrow-form">
                            <ActionForm action=create>
                                <FormMessage action=create />
                                <Field form="publisher" name="display_name" label="Name" value=value("display_name")
                                    error=field_error(create, "display_name") hint="Shown on your listings." required=true />
                                <Field form="publisher" name="slug" label="Slug" value=value("slug")
                                    error=field_error(create, "slug")
                                    hint="Part of your publisher's address: lower-case letters, digits and dashes."
                                    required=true />
                                <Submit action=create label="Create publisher" busy="Creating…" />
                            </ActionForm>
                        </div>
                    }
                })}
            </Suspense>
        </section>
    }
}
