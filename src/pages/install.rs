//! The install flow: where to install (`/extensions/{key}/install`), consent
//! (`/orgs/{org}/projects/{project}/install/{key}`), the setup wizard
//! (`/orgs/{org}/installations/{id}/setup?step=N`), the done page showing new credentials once,
//! and the installation page (`/orgs/{org}/installations/{id}`).
//!
//! Without JavaScript every step is its own page and form post; hydrated, the same forms change
//! steps without reloading, fields follow `show_when` as you type, and the model's checks run
//! before anything is sent.

use crate::api::deliveries::SendTestEvent;
use crate::api::installs::{
    get_installation, install_choice, install_consent, installation_credentials, setup_page,
    BeginInstall, ReplaceRuntimeToken, RotateSigningSecret, SaveSetupStep, SetInstallationEnabled,
    UninstallInstallation,
};
use crate::components::fields::SettingInput;
use crate::components::form::{field_error, Field, FormMessage, Submit};
use crate::components::status::ErrorNotice;
use crate::components::time::When;
use crate::error::AppError;
use crate::model::installation::{
    Consent, InstallOptions, InstallStatus, InstallationDetail, SecretState, WizardPage,
};
use crate::model::manifest::settings::SettingScope;
use crate::model::manifest::wizard::{is_shown, validate_values};
use crate::model::manifest::StepKind;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use std::collections::BTreeMap;

fn loading() -> impl IntoView {
    view! { <p class="loading">"Loading…"</p> }
}

/// Sends visitors to sign in first, then back here.
fn sign_in_first(error: AppError, here: String) -> AnyView {
    match error {
        AppError::Unauthorized(_) => view! {
            <section class="page narrow">
                <Title text="Sign in to install" />
                <h1>"Sign in to install"</h1>
                <p>"Extensions are installed into an organization's projects by its admins."</p>
                <p>
                    <a class="button primary" href=format!("/signin?next={}", urlencode(&here))>"Sign in"</a>
                    " "
                    <a href="/signup">"Create an account"</a>
                </p>
            </section>
        }
        .into_any(),
        e => view! { <ErrorNotice error=e /> }.into_any(),
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `/extensions/{key}/install`: choose the organization and project.
#[component]
pub fn InstallChoicePage() -> impl IntoView {
    let key = use_params_map().with_untracked(|p| p.get("key").unwrap_or_default());
    let here = format!("/extensions/{key}/install");
    let choice = Resource::new(|| (), move |_| install_choice(key.clone()));
    view! {
        <Title text="Install" />
        <Suspense fallback=loading>
            {move || {
                let here = here.clone();
                Suspend::new(async move {
                    match choice.await {
                        Err(e) => sign_in_first(e, here),
                        Ok(c) => view! { <Choice c /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Choice(c: InstallOptions) -> impl IntoView {
    let any_project = c.targets.iter().any(|t| !t.projects.is_empty());
    view! {
        <Title text=format!("Install {}", c.name) />
        <section class="page narrow">
            <p><a href=format!("/extensions/{}", c.key)>{format!("← {}", c.name)}</a></p>
            <h1>{format!("Install {}", c.name)}</h1>
            <p>{format!("Version {} will be installed into one project. Next you will see what it may access.", c.version)}</p>
            {(!c.member_only.is_empty()).then(|| view! {
                <p class="notice" role="status">
                    {format!("You are a member, not an admin, of {}: ask an admin there to install it.", c.member_only.join(", "))}
                </p>
            })}
            {if c.targets.is_empty() {
                view! {
                    <div class="empty-state">
                        <p>"You are not an admin of any organization yet."</p>
                        <p><a class="button" href="/orgs">"Create an organization"</a></p>
                    </div>
                }.into_any()
            } else if !any_project {
                view! {
                    <div class="empty-state">
                        <p>"Your organizations have no projects yet. Create one first:"</p>
                        <ul>
                            {c.targets.iter().map(|t| view! { <li><a href=format!("/orgs/{}", t.org)>{t.org_name.clone()}</a></li> }).collect_view()}
                        </ul>
                    </div>
                }.into_any()
            } else {
                let key = c.key.clone();
                view! {
                    <h2>"Choose a project"</h2>
                    {c.targets.iter().filter(|t| !t.projects.is_empty()).map(|t| view! {
                        <h3 class="group-label">{t.org_name.clone()}</h3>
                        <ul class="install-targets">
                            {t.projects.iter().map(|(slug, name, existing)| match existing {
                                Some(ins) => view! {
                                    <li>
                                        {format!("{name} — already installed · ")}
                                        <a href=format!("/orgs/{}/installations/{}", t.org, ins)>{format!("Open it in {name}")}</a>
                                    </li>
                                }.into_any(),
                                None => view! {
                                    <li>
                                        <a class="button" href=format!("/orgs/{}/projects/{}/install/{}", t.org, slug, key)>{format!("Install into {name}")}</a>
                                    </li>
                                }.into_any(),
                            }).collect_view()}
                        </ul>
                    }).collect_view()}
                }.into_any()
            }}
        </section>
    }
}

/// `/orgs/{org}/projects/{project}/install/{key}`: what the extension may do, and the consent.
#[component]
pub fn ConsentPage() -> impl IntoView {
    let params = use_params_map();
    let (org, project, key) = params.with_untracked(|p| {
        (
            p.get("org").unwrap_or_default(),
            p.get("project").unwrap_or_default(),
            p.get("key").unwrap_or_default(),
        )
    });
    let version = use_query_map().with_untracked(|q| q.get("version"));
    let here = format!("/orgs/{org}/projects/{project}/install/{key}");
    let begin = ServerAction::<BeginInstall>::new();
    let consent = Resource::new(
        || (),
        move |_| install_consent(org.clone(), project.clone(), key.clone(), version.clone()),
    );
    view! {
        <Title text="Install" />
        <Suspense fallback=loading>
            {move || {
                let here = here.clone();
                Suspend::new(async move {
                    match consent.await {
                        Err(e) => sign_in_first(e, here),
                        Ok(c) => view! { <ConsentView c begin /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn ConsentView(c: Consent, begin: ServerAction<BeginInstall>) -> impl IntoView {
    let title = format!("Install {} into {}", c.name, c.project.1);
    view! {
        <Title text=title.clone() />
        <section class="page narrow consent">
            <p><a href=format!("/extensions/{}", c.key)>{format!("← {}", c.name)}</a></p>
            <h1>{title}</h1>
            <p class="byline">
                {format!("Version {} by ", c.version)}
                <a href=format!("/publishers/{}", c.publisher)>{c.publisher_name.clone()}</a>
                {c.verified.then(|| view! { " " <span class="badge verified" title="The marketplace verified this publisher">"verified"</span> })}
                {format!(" · into {} / {}", c.org.1, c.project.1)}
            </p>
            {match c.existing.clone() {
                Some(id) => view! {
                    <p class="notice" role="status">
                        {format!("{} is already installed in this project. ", c.name)}
                        <a href=format!("/orgs/{}/installations/{}", c.org.0, id)>"Open the installation"</a>
                    </p>
                }.into_any(),
                None => {
                    let (org, project, key, version) = (c.org.0.clone(), c.project.0.clone(), c.key.clone(), c.version.clone());
                    view! {
                        <h2>"It will be able to"</h2>
                        {if c.permissions.is_empty() {
                            view! { <p>"Nothing beyond receiving the events below: it asks for no permissions."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="permissions">
                                    {c.permissions.iter().map(|p| view! {
                                        <li>{p.description.clone()}" " <code>{p.scope.clone()}</code></li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        <h2>"Events it will receive"</h2>
                        {if c.events.is_empty() {
                            view! { <p>"None: it is only configured here."</p> }.into_any()
                        } else {
                            view! { <ul>{c.events.iter().map(|e| view! { <li><code>{e.clone()}</code></li> }).collect_view()}</ul> }.into_any()
                        }}
                        <h2>"Where your data goes"</h2>
                        <p>{match c.host.clone() {
                            Some(h) => format!("Events about this project are sent to {h}, which its publisher runs."),
                            None => "It runs inside the platform: nothing is sent elsewhere.".to_string(),
                        }}</p>
                        <ActionForm action=begin>
                            <FormMessage action=begin />
                            <input type="hidden" name="org" value=org />
                            <input type="hidden" name="project" value=project />
                            <input type="hidden" name="key" value=key />
                            <input type="hidden" name="version" value=version />
                            <Submit action=begin label="Allow and continue" busy="Installing…" />
                        </ActionForm>
                    }.into_any()
                }
            }}
        </section>
    }
}

fn secret_line(s: &SecretState) -> AnyView {
    match (&s.resolved_from, s.updated_at) {
        (Some(from), Some(at)) => view! {
            "set · last changed " <When ms=at />
            {s.updated_by.clone().map(|by| format!(" by {by}"))}
            {(from != "installation" && from != "extension").then(|| format!(" (from the {from}'s secrets)"))}
        }
        .into_any(),
        _ => view! { "not set" }.into_any(),
    }
}

/// `/orgs/{org}/installations/{id}/setup?step=N`: one step of the setup wizard.
#[component]
pub fn SetupPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let save = ServerAction::<SaveSetupStep>::new();
    let page = Resource::new(
        move || {
            (
                params.with(|p| {
                    (
                        p.get("org").unwrap_or_default(),
                        p.get("id").unwrap_or_default(),
                    )
                }),
                query.with(|q| {
                    q.get("step")
                        .and_then(|s| s.parse::<usize>().ok())
                        .unwrap_or(0)
                }),
            )
        },
        move |((org, id), step)| setup_page(org, id, step),
    );
    view! {
        <Title text="Set up" />
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match page.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(p) => view! { <Wizard p save /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Wizard(p: WizardPage, save: ServerAction<SaveSetupStep>) -> impl IntoView {
    let total = p.steps.len();
    let index = p.index;
    let title = format!("Set up {} · {}", p.extension.1, p.step.title);
    // The values as typed, so that `show_when` follows them once hydrated.
    let values = RwSignal::new(p.values.clone());
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    // The model's checks, run here before sending (hydrated); the server runs them again.
    let browser_errors = RwSignal::new(BTreeMap::<String, String>::new());
    let fields = p.step.fields.clone();
    let stored: Vec<String> = p
        .secrets
        .iter()
        .filter(|s| s.resolved_from.is_some())
        .map(|s| s.key.clone())
        .collect();
    let check_fields = fields.clone();
    // Runs on the "next" button's click, before the form is submitted (Enter in a field clicks
    // it too: it comes first in the form).
    let on_next = move |ev: leptos::ev::MouseEvent| {
        let mut check = values.get_untracked();
        for f in check_fields.iter().filter(|f| f.secret) {
            let typed = check.get(&f.key).cloned().unwrap_or_default();
            if typed.trim().is_empty() && stored.contains(&f.key) {
                check.insert(f.key.clone(), "stored".into());
            }
        }
        let errors: BTreeMap<String, String> = validate_values(&check_fields, &check)
            .into_iter()
            .filter(|(k, e)| {
                // A stored secret passes unless it is missing.
                check.get(k).map(String::as_str) != Some("stored") || e.ends_with("is required.")
            })
            .collect();
        if !errors.is_empty() {
            ev.prevent_default();
        }
        browser_errors.set(errors);
    };
    let error_for = move |key: String| {
        Signal::derive(move || {
            browser_errors.with(|e| e.get(&key).cloned()).or_else(|| {
                save.value().with(|v| match v {
                    Some(Err(e)) => e.for_field(&key),
                    _ => None,
                })
            })
        })
    };
    let secrets = p.secrets.clone();
    let step_kind = p.step.kind;
    let step_keys: Vec<String> = p.step.fields.iter().map(|f| f.key.clone()).collect();
    let labels = p.labels.clone();
    let last = p.is_last();
    let base = format!("/orgs/{}/installations/{}/setup", p.org.0, p.installation);
    view! {
        <Title text=title />
        <section class="page narrow wizard">
            <p><a href=format!("/orgs/{}", p.org.0)>{format!("← {}", p.org.1)}</a></p>
            <h1>{format!("{} {} in {}", if p.reconfigure { "Configure" } else { "Set up" }, p.extension.1, p.project.1)}</h1>
            <p class="hint">{format!("Version {} · you can leave and come back: what you saved is kept.", p.version)}</p>
            <nav aria-label="Setup progress">
                <ol class="wizard-progress">
                    {p.steps.iter().enumerate().map(|(i, s)| {
                        let scope = match s.scope {
                            SettingScope::Extension => "Organization",
                            SettingScope::Installation => "Project",
                        };
                        let current = i == index;
                        let label = format!("{} · {}", scope, s.title);
                        view! {
                            <li class:current=current class:done=i < index aria-current=current.then_some("step")>
                                {if i < index {
                                    view! { <a href=format!("{base}?step={i}")>{label}</a> }.into_any()
                                } else {
                                    view! { <span>{label}</span> }.into_any()
                                }}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </nav>
            <p class="step-meta">{format!("Step {} of {}", index + 1, total)}
                {match p.scope {
                    SettingScope::Extension => " · organization-wide settings, asked once for every project",
                    SettingScope::Installation => " · settings of this project",
                }}
            </p>
            <h2>{p.step.title.clone()}</h2>
            {p.step.description.clone().map(|d| view! { <p>{d}</p> })}
            <ActionForm action=save>
                <FormMessage action=save />
                {move || {
                    let others: Vec<(String, String)> = save.value().with(|v| match v {
                        Some(Err(AppError::Fields(m))) => m
                            .iter()
                            .filter(|(k, _)| !step_keys.contains(*k))
                            .map(|(k, e)| (labels.get(k).cloned().unwrap_or_else(|| k.clone()), e.clone()))
                            .collect(),
                        _ => Vec::new(),
                    });
                    (!others.is_empty()).then(|| view! {
                        <div class="form-message" role="alert">
                            <p class="error">"The extension did not accept settings of another step: go back to change them."</p>
                            <ul class="error">
                                {others.into_iter().map(|(label, e)| view! { <li>{format!("{label}: {e}")}</li> }).collect_view()}
                            </ul>
                        </div>
                    })
                }}
                <input type="hidden" name="org" value=p.org.0.clone() />
                <input type="hidden" name="id" value=p.installation.clone() />
                <input type="hidden" name="step" value=index.to_string() />
                {fields.into_iter().map(|f| {
                    let key = f.key.clone();
                    let shown_field = f.clone();
                    let hidden = move || hydrated.get() && !values.with(|v| is_shown(&shown_field, v));
                    let stored = secrets.iter().find(|s| s.key == f.key && s.resolved_from.is_some()).map(secret_line);
                    let value = (!f.secret).then(|| p.values.get(&f.key).cloned()).flatten();
                    let k2 = key.clone();
                    let on_value = Callback::new(move |v: String| values.update(|m| { m.insert(k2.clone(), v); }));
                    view! {
                        <div class="wizard-field" hidden=hidden>
                            <SettingInput setting=f id_prefix="setup".to_string() posted=true value
                                error=error_for(key) stored on_value />
                        </div>
                    }
                }).collect_view()}
                {(step_kind == StepKind::Test).then(|| view! {
                    <p>"Continuing sends the extension a signed " <code>"extension.ping"</code>
                       " with the settings entered so far (secrets only as set or missing) and checks its answer."</p>
                })}
                {p.content_html.clone().map(|html| view! { <div class="info-content prose" inner_html=html></div> })}
                {(!p.step.links.is_empty()).then(|| view! {
                    <ul class="links">
                        {p.step.links.iter().map(|l| view! { <li><a href=l.url.clone() rel="noopener noreferrer">{l.label.clone()}</a></li> }).collect_view()}
                    </ul>
                })}
                <div class="wizard-buttons">
                    <button type="submit" name="nav" value="next" class="button primary" on:click=on_next>
                        {match (step_kind, last) {
                            (StepKind::Test, _) => "Send test and continue",
                            (_, true) => "Finish",
                            _ => "Save and continue",
                        }}
                    </button>
                    {p.step.skippable.then(|| view! { <button type="submit" name="nav" value="skip" class="button" formnovalidate=true>"Skip this step"</button> })}
                    {(index > 0).then(|| view! { <button type="submit" name="nav" value="back" class="button" formnovalidate=true>"Back"</button> })}
                </div>
            </ActionForm>
        </section>
    }
}

/// `/orgs/{org}/installations/{id}/done`: installed; new credentials shown once.
#[component]
pub fn DonePage() -> impl IntoView {
    let params = use_params_map();
    let (org, id) = params.with_untracked(|p| {
        (
            p.get("org").unwrap_or_default(),
            p.get("id").unwrap_or_default(),
        )
    });
    let (org2, id2) = (org.clone(), id.clone());
    let creds = Resource::new(
        || (),
        move |_| installation_credentials(org.clone(), id.clone()),
    );
    let detail = Resource::new(|| (), move |_| get_installation(org2.clone(), id2.clone()));
    view! {
        <Title text="Installed" />
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match (detail.await, creds.await) {
                    (Err(e), _) | (_, Err(e)) => view! { <ErrorNotice error=e /> }.into_any(),
                    (Ok(d), Ok(c)) => view! {
                        <section class="page narrow">
                            <Title text=format!("{} installed", d.extension.1) />
                            <h1>{format!("{} is installed in {}", d.extension.1, d.project.1)}</h1>
                            {(d.status == InstallStatus::Setup).then(|| view! {
                                <p class="notice">"Its setup is not finished yet."</p>
                            })}
                            {if c.signing_secret.is_none() && c.runtime_token.is_none() {
                                view! { <p>"Its credentials were shown when it was installed. Rotate the signing secret on the installation page if you need a new one."</p> }.into_any()
                            } else {
                                view! {
                                    <div class="notice credentials" role="status">
                                        <p><strong>"Copy these now: they are not shown again."</strong></p>
                                        {d.previous_secret_until.map(|until| view! {
                                            <p>"A new signing secret: the previous one also signs until " <When ms=until /> ", so your extension can switch without missing a delivery."</p>
                                        })}
                                        {c.signing_secret.map(|s| view! {
                                            <p>"Signing secret (configure your extension to verify " <code>"X-Kiket-Signature"</code> " and " <code>"webhook-signature"</code> " with it):"</p>
                                            <p><code class="secret-once" data-testid="signing-secret">{s}</code></p>
                                        })}
                                        {c.runtime_token.map(|t| view! {
                                            <p>"Runtime token (send it as " <code>"X-Kiket-Runtime-Token"</code> " to read this installation's settings and secrets):"</p>
                                            <p><code class="secret-once" data-testid="runtime-token">{t}</code></p>
                                        })}
                                    </div>
                                }.into_any()
                            }}
                            <p><a class="button primary" href=format!("/orgs/{}/installations/{}", d.org.0, d.id)>"Open the installation"</a></p>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/orgs/{org}/installations/{id}`: status, version, settings, secrets; admins enable, disable,
/// re-configure and uninstall.
#[component]
pub fn InstallationPage() -> impl IntoView {
    let params = use_params_map();
    let (org, id) = params.with_untracked(|p| {
        (
            p.get("org").unwrap_or_default(),
            p.get("id").unwrap_or_default(),
        )
    });
    let enable = ServerAction::<SetInstallationEnabled>::new();
    let uninstall = ServerAction::<UninstallInstallation>::new();
    let detail = Resource::new(
        move || (enable.version().get(), uninstall.version().get()),
        move |_| get_installation(org.clone(), id.clone()),
    );
    view! {
        <Title text="Installation" />
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match detail.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(d) => view! { <Installation d enable uninstall /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Installation(
    d: InstallationDetail,
    enable: ServerAction<SetInstallationEnabled>,
    uninstall: ServerAction<UninstallInstallation>,
) -> impl IntoView {
    let rotate = ServerAction::<RotateSigningSecret>::new();
    let token = ServerAction::<ReplaceRuntimeToken>::new();
    let test_event = ServerAction::<SendTestEvent>::new();
    let manage = d.can_manage && d.status != InstallStatus::Uninstalled;
    let (org, id) = (d.org.0.clone(), d.id.clone());
    view! {
        <Title text=format!("{} in {}", d.extension.1, d.project.1) />
        <section class="page installation">
            <p><a href=format!("/orgs/{}", d.org.0)>{format!("← {}", d.org.1)}</a></p>
            <h1>{format!("{} in {}", d.extension.1, d.project.1)}</h1>
            {d.revoked_reason.clone().map(|r| view! {
                <div class="banner danger" role="alert">
                    <p><strong>{format!("Version {} was revoked by the marketplace.", d.version)}</strong>" Delivery to it has stopped."</p>
                    <p>{r}</p>
                </div>
            })}
            <dl class="facts">
                <dt>"Status"</dt>
                <dd><span class=format!("badge status-{}", d.status.as_str())>{d.status.label()}</span>
                    {d.disabled_reason.clone().map(|r| format!(" · {r}"))}</dd>
                <dt>"Version"</dt>
                <dd>
                    <a href=format!("/extensions/{}", d.extension.0)>{d.version.clone()}</a>
                    " (pinned; never upgraded without you)"
                    {d.previous_version.clone().map(|v| format!(" · previously {v}"))}
                </dd>
                <dt>"Installed"</dt>
                <dd><When ms=d.created_at />{d.configured_at.map(|at| view! { " · configured " <When ms=at /> })}</dd>
            </dl>
            {(d.status == InstallStatus::Setup && d.can_manage).then(|| view! {
                <p class="notice">"Its setup is not finished. "
                    <a class="button primary" href=format!("/orgs/{}/installations/{}/setup", d.org.0, d.id)>"Continue the setup"</a></p>
            })}
            <h2>"Settings"</h2>
            {if d.settings.is_empty() {
                view! { <p>"It has no settings."</p> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <caption class="visually-hidden">"Settings"</caption>
                        <thead><tr><th scope="col">"Setting"</th><th scope="col">"Value"</th><th scope="col">"Scope"</th></tr></thead>
                        <tbody>
                            {d.settings.iter().map(|s| view! {
                                <tr>
                                    <th scope="row">{s.label.clone()}</th>
                                    <td>{if s.value.is_empty() { "—".to_string() } else { s.value.clone() }}</td>
                                    <td>{match s.scope { SettingScope::Extension => "organization", SettingScope::Installation => "project" }}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h2>"Secrets"</h2>
            {if d.secrets.is_empty() {
                view! { <p>"It declares no secrets."</p> }.into_any()
            } else {
                view! {
                    <table class="table secrets">
                        <caption class="visually-hidden">"Secrets it declares"</caption>
                        <thead><tr><th scope="col">"Key"</th><th scope="col">"Status"</th></tr></thead>
                        <tbody>
                            {d.secrets.iter().map(|s| view! {
                                <tr>
                                    <th scope="row"><code>{s.key.clone()}</code>" " {s.label.clone()}</th>
                                    <td class:missing=s.resolved_from.is_none() && s.required>
                                        {secret_line(s)}
                                        {(s.resolved_from.is_none() && s.required).then_some(" · required")}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <h2>"Permissions granted"</h2>
            {if d.permissions.is_empty() { view! { <p>"None."</p> }.into_any() } else {
                view! { <ul>{d.permissions.iter().map(|p| view! { <li>{p.description.clone()}" " <code>{p.scope.clone()}</code></li> }).collect_view()}</ul> }.into_any()
            }}
            <h2>"Events"</h2>
            {if d.events.is_empty() { view! { <p>"None."</p> }.into_any() } else {
                view! { <ul>{d.events.iter().map(|e| view! { <li><code>{e.clone()}</code></li> }).collect_view()}</ul> }.into_any()
            }}
            {(d.can_manage && d.status != InstallStatus::Setup).then(|| {
                let (org, id) = (org.clone(), id.clone());
                let events = d.events.clone();
                let sendable = d.status != InstallStatus::Uninstalled && !events.is_empty();
                view! {
                    <p><a class="button" href=format!("/orgs/{org}/installations/{id}/deliveries")>"Delivery console"</a></p>
                    {sendable.then(|| view! {
                        <ActionForm action=test_event attr:class="inline-form test-event">
                            <FormMessage action=test_event />
                            <input type="hidden" name="org" value=org.clone() />
                            <input type="hidden" name="id" value=id.clone() />
                            <label for="test-event">"Event"</label>
                            <select id="test-event" name="event">
                                {events.iter().map(|e| {
                                    // The project's own events come first to mind, not the lifecycle ones.
                                    let first = events.iter().find(|e| !e.starts_with("extension.")) == Some(e);
                                    view! { <option value=e.clone() selected=first>{e.clone()}</option> }
                                }).collect_view()}
                            </select>
                            <button type="submit" class="button">"Send test event"</button>
                        </ActionForm>
                    })}
                }
            })}
            {manage.then(|| {
                let active = d.status == InstallStatus::Active;
                let show_toggle = matches!(d.status, InstallStatus::Active | InstallStatus::Disabled);
                let key = d.extension.0.clone();
                let base = format!("/orgs/{org}/installations/{id}");
                let upgrade = d.upgrade_to.clone();
                let rollback = d.previous_version.clone();
                let generated = d.generated_secret && show_toggle;
                let overlap = d.previous_secret_until;
                let (org_r, id_r, org_t, id_t) = (org.clone(), id.clone(), org.clone(), id.clone());
                view! {
                    <h2>"Manage"</h2>
                    <p class="actions">
                        <a class="button" href=format!("{base}/setup")>"Re-configure"</a>
                        {upgrade.map(|v| view! { " " <a class="button primary" href=format!("{base}/version?to={v}")>{format!("Upgrade to {v}")}</a> })}
                        {rollback.map(|v| view! { " " <a class="button" href=format!("{base}/version?to={v}")>{format!("Roll back to {v}")}</a> })}
                    </p>
                    {show_toggle.then(|| view! {
                        <h3>"Credentials"</h3>
                        {overlap.map(|until| view! {
                            <p class="notice">"The previous signing secret also signs until " <When ms=until /> "."</p>
                        })}
                        <div class="actions">
                            {generated.then(|| view! {
                                <ActionForm action=rotate attr:class="inline-form">
                                    <input type="hidden" name="org" value=org_r.clone() />
                                    <input type="hidden" name="id" value=id_r.clone() />
                                    <button type="submit" class="button">"Rotate signing secret"</button>
                                </ActionForm>
                            })}
                            <ActionForm action=token attr:class="inline-form">
                                <input type="hidden" name="org" value=org_t.clone() />
                                <input type="hidden" name="id" value=id_t.clone() />
                                <button type="submit" class="button">"Replace runtime token"</button>
                            </ActionForm>
                        </div>
                        <FormMessage action=rotate />
                        <FormMessage action=token />
                    })}
                    {show_toggle.then({
                        let (org, id) = (org.clone(), id.clone());
                        move || view! {
                        <ActionForm action=enable attr:class="inline-form">
                            <FormMessage action=enable />
                            <input type="hidden" name="org" value=org.clone() />
                            <input type="hidden" name="id" value=id.clone() />
                            <input type="hidden" name="enabled" value=(!active).to_string() />
                            <button type="submit" class="button">{if active { "Disable" } else { "Enable" }}</button>
                        </ActionForm>
                    }})}
                    <h3>"Uninstall"</h3>
                    <p>"Uninstalling deletes this installation's own secrets and stops its events. The record stays here."</p>
                    <div class="narrow-form">
                        <ActionForm action=uninstall>
                            <FormMessage action=uninstall />
                            <input type="hidden" name="org" value=org.clone() />
                            <input type="hidden" name="id" value=id.clone() />
                            <Field form="uninstall" name="confirm" label="Type the extension's key to confirm"
                                hint="This cannot be undone." error=field_error(uninstall, "confirm") required=true autocomplete="off" />
                            <p class="hint">{format!("Key: {key}")}</p>
                            <button type="submit" class="button danger">"Uninstall"</button>
                        </ActionForm>
                    </div>
                }
            })}
        </section>
    }
}
