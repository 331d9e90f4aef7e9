//! `/account/tokens`: personal tokens for the REST API and the `kiket` CLI; `/docs/api`: the REST
//! API's reference, rendered from its generated OpenAPI document.

use crate::api::tokens::{
    get_api_reference, get_personal_tokens, CreatePersonalToken, RevokePersonalToken,
};
use crate::components::form::{field_error, Field, FormMessage, Submit};
use crate::components::status::ErrorNotice;
use crate::components::time::When;
use crate::error::AppError;
use crate::model::api_doc::{ApiOperation, ApiReference};
use crate::model::token::{PersonalTokenPage, Scope, EXPIRY_CHOICES};
use leptos::prelude::*;
use leptos_meta::{Meta, Title};

fn loading() -> impl IntoView {
    view! { <p class="loading">"Loading…"</p> }
}

/// The account's personal tokens. The page's one resource is created here, outside any boundary
/// that could render twice: reading it shows a new token, once.
#[component]
pub fn PersonalTokensPage() -> impl IntoView {
    let create = ServerAction::<CreatePersonalToken>::new();
    let revoke = ServerAction::<RevokePersonalToken>::new();
    let page = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        move |_| get_personal_tokens(),
    );
    view! {
        <Title text="API tokens" />
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match page.await {
                    Err(AppError::Unauthorized(_)) => view! {
                        <section class="page narrow">
                            <h1>"API tokens"</h1>
                            <p>"Sign in to manage your API tokens."</p>
                            <p><a class="button primary" href="/signin?next=/account/tokens">"Sign in"</a></p>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(p) => view! { <Tokens p create revoke /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Tokens(
    p: PersonalTokenPage,
    create: ServerAction<CreatePersonalToken>,
    revoke: ServerAction<RevokePersonalToken>,
) -> impl IntoView {
    let api = p.public_url.trim_end_matches('/').to_string();
    let example = format!(
        "kiket auth login --api-url {api} --token kkt_…\nkiket extensions publish ./my-extension\nkiket extensions yank my-extension@1.0.0 --reason \"Crashes on empty payloads\""
    );
    let now = p.now;
    let kept = p.kept.clone();
    let kept_value = move |k: &str| kept.get(k).cloned().unwrap_or_default();
    let kept_scopes: Vec<String> = p
        .kept
        .get("scopes")
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_else(|| vec![Scope::Publish.as_str().to_string()]);
    let kept_expiry = p
        .kept
        .get("expires_in")
        .cloned()
        .unwrap_or_else(|| "90".to_string());
    view! {
        <section class="page tokens">
            <p><a href="/account">"← Your account"</a></p>
            <h1>"API tokens"</h1>
            <p>"A personal token lets scripts, CI jobs and the " <code>"kiket"</code> " CLI call the "
               <a href="/docs/api">"REST API"</a> " as you. Give each use its own token, with only the scopes it needs."</p>
            {p.created.clone().map(|(name, token)| view! {
                <div class="banner success" role="status">
                    <p><strong>{format!("Token “{name}” created.")}</strong>" Copy it now: it is shown this once."</p>
                    <p><code class="token">{token}</code></p>
                </div>
            })}
            <pre class="payload"><code>{example}</code></pre>
            <h2>"Your tokens"</h2>
            <FormMessage action=revoke />
            {if p.tokens.is_empty() {
                view! { <div class="empty-state"><p>"No tokens yet. Create one below."</p></div> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <caption class="visually-hidden">"Personal tokens"</caption>
                        <thead><tr>
                            <th scope="col">"Name"</th><th scope="col">"Scopes"</th><th scope="col">"Extensions"</th>
                            <th scope="col">"Created"</th><th scope="col">"Expires"</th><th scope="col">"Last used"</th><th scope="col">"Status"</th>
                        </tr></thead>
                        <tbody>
                            {p.tokens.clone().into_iter().map(|tok| {
                                let label = format!("Revoke: {}", tok.name);
                                let expired = tok.expires_at.is_some_and(|at| at <= now);
                                view! {
                                    <tr>
                                        <td>{tok.name.clone()}</td>
                                        <td>{tok.scopes.iter().map(|s| view! { <code>{s.as_str()}</code>" " }).collect_view()}</td>
                                        <td>{match tok.key_pattern.clone() { Some(p) => view! { <code>{p}</code> }.into_any(), None => "all".into_any() }}</td>
                                        <td><When ms=tok.created_at /></td>
                                        <td>{match tok.expires_at { Some(at) => view! { <When ms=at /> }.into_any(), None => "never".into_any() }}</td>
                                        <td>{match tok.last_used_at { Some(at) => view! { <When ms=at /> }.into_any(), None => "never".into_any() }}</td>
                                        <td>{match (tok.revoked_at, expired) {
                                            (Some(at), _) => view! { "revoked " <When ms=at /> }.into_any(),
                                            (None, true) => view! { <span class="badge">"expired"</span> }.into_any(),
                                            (None, false) => view! {
                                                <ActionForm action=revoke attr:class="inline-form">
                                                    <input type="hidden" name="token" value=tok.id.clone() />
                                                    <button type="submit" class="button small danger" aria-label=label>"Revoke"</button>
                                                </ActionForm>
                                            }.into_any(),
                                        }}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h2>"Create a token"</h2>
            <div class="narrow-form">
                <ActionForm action=create>
                    <FormMessage action=create />
                    <Field form="token" name="name" label="Name" hint="What uses it, such as “CI releases”." value=kept_value("name")
                        error=field_error(create, "name") required=true autocomplete="off" />
                    <fieldset class="field" aria-describedby="token-scopes-error">
                        <legend>"Scopes"</legend>
                        <div class="choices stacked">
                            {Scope::ALL.iter().enumerate().map(|(i, s)| view! {
                                <label class="choice">
                                    <input type="checkbox" name=format!("scopes[{i}]") value=s.as_str() checked=kept_scopes.iter().any(|k| k == s.as_str()) />
                                    <code>{s.as_str()}</code>" — "{s.description()}
                                </label>
                            }).collect_view()}
                        </div>
                        <p class="field-error" id="token-scopes-error" role="alert">{move || field_error(create, "scopes").get()}</p>
                    </fieldset>
                    <div class="field">
                        <label for="token-expires_in">"Expires"</label>
                        <select id="token-expires_in" name="expires_in" aria-describedby="token-expires_in-error">
                            {EXPIRY_CHOICES.iter().map(|(value, label, _)| view! {
                                <option value=*value selected=*value == kept_expiry>{*label}</option>
                            }).collect_view()}
                        </select>
                        <p class="field-error" id="token-expires_in-error" role="alert">{move || field_error(create, "expires_in").get()}</p>
                    </div>
                    <Field form="token" name="key_pattern" label="Only extensions matching (optional)"
                        hint="An extension key with * for any characters, such as my-*. Empty: every extension of your publishers."
                        error=field_error(create, "key_pattern") autocomplete="off" value=kept_value("key_pattern") />
                    <Submit action=create label="Create token" busy="Creating…" />
                </ActionForm>
            </div>
        </section>
    }
}

/// The REST API's reference.
#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let reference = Resource::new(|| (), |_| get_api_reference());
    view! {
        <Title text="REST API reference" />
        <Meta name="description" content="The Kiket Marketplace REST API: search, versions, downloads, publishing and yanking, with personal tokens." />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match reference.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(r) => view! { <Reference r /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Reference(r: ApiReference) -> impl IntoView {
    let openapi = format!("{}/api/v1/openapi.json", r.base_url);
    view! {
        <section class="page api-reference">
            <h1>{format!("{} (v{})", r.title, r.version)}</h1>
            <p>{r.description.clone()}</p>
            <p>"The OpenAPI document: " <a href="/api/v1/openapi.json">{openapi}</a>
               ". Tokens are created on " <a href="/account/tokens">"your account's API tokens page"</a> "."</p>
            <nav aria-label="Operations">
                <ul class="operation-index">
                    {r.operations.iter().map(|op| view! {
                        <li><a href=format!("#{}", op.anchor())><code>{format!("{} {}", op.method, op.path)}</code></a>" — "{op.summary.clone()}</li>
                    }).collect_view()}
                </ul>
            </nav>
            {r.operations.into_iter().map(|op| view! { <Operation op /> }).collect_view()}
            <h2 id="schemas">"Shapes"</h2>
            {r.schemas.into_iter().map(|s| view! {
                <section class="schema" id=format!("schema-{}", s.name)>
                    <h3><code>{s.name.clone()}</code></h3>
                    {(!s.description.is_empty()).then(|| view! { <p>{s.description.clone()}</p> })}
                    {(!s.includes.is_empty()).then(|| view! { <p>"Includes the fields of " {s.includes.iter().map(|i| view! { <a href=format!("#schema-{i}")><code>{i.clone()}</code></a>" " }).collect_view()}</p> })}
                    {(!s.properties.is_empty()).then(|| view! {
                        <table class="table compact">
                            <thead><tr><th scope="col">"Field"</th><th scope="col">"Type"</th><th scope="col">"Description"</th></tr></thead>
                            <tbody>
                                {s.properties.iter().map(|p| view! {
                                    <tr>
                                        <td><code>{p.name.clone()}</code>{(!p.required).then_some(" (optional)")}</td>
                                        <td><code>{p.kind.clone()}</code></td>
                                        <td>{p.description.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                </section>
            }).collect_view()}
        </section>
    }
}

#[component]
fn Operation(op: ApiOperation) -> impl IntoView {
    let credential = match op.credential.as_str() {
        "org_token" => "an organization token",
        "runtime_token" => "the installation's runtime token (X-Kiket-Runtime-Token)",
        _ => "a personal token",
    };
    let token = match op.token.as_str() {
        "required" if op.scopes.is_empty() => format!("Needs {credential}."),
        "required" => format!("Needs {credential} with the {} scope.", op.scopes.join(", ")),
        "optional" => format!(
            "Anonymous, or with a token with the {} scope to see unpublished versions of your publishers.",
            op.scopes.join(", ")
        ),
        _ => "Anonymous.".to_string(),
    };
    view! {
        <section class="operation" id=op.anchor()>
            <h2><span class=format!("method method-{}", op.method.to_ascii_lowercase())>{op.method.clone()}</span>" "<code>{op.path.clone()}</code></h2>
            <p><strong>{op.summary.clone()}</strong></p>
            {(!op.description.is_empty()).then(|| view! { <p>{op.description.clone()}</p> })}
            <p class="hint">{token}</p>
            {(!op.parameters.is_empty()).then(|| view! {
                <h3>"Parameters"</h3>
                <table class="table compact">
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"In"</th><th scope="col">"Type"</th><th scope="col">"Description"</th></tr></thead>
                    <tbody>
                        {op.parameters.iter().map(|p| view! {
                            <tr>
                                <td><code>{p.name.clone()}</code>{(!p.required).then_some(" (optional)")}</td>
                                <td>{p.location.clone()}</td>
                                <td><code>{p.kind.clone()}</code></td>
                                <td>{p.description.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {op.request.clone().map(|(ct, shape)| view! {
                <h3>"Request body"</h3>
                <p><code>{ct}</code>": "<a href=format!("#schema-{shape}")><code>{shape.clone()}</code></a></p>
            })}
            <h3>"Responses"</h3>
            <table class="table compact">
                <thead><tr><th scope="col">"Status"</th><th scope="col">"Meaning"</th><th scope="col">"Body"</th></tr></thead>
                <tbody>
                    {op.responses.iter().map(|(status, description, shape)| view! {
                        <tr>
                            <td>{status.clone()}</td>
                            <td>{description.clone()}</td>
                            <td>{shape.clone().map(|s| view! { <code>{s}</code> })}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
