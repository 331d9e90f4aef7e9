//! The package upload form. Without JavaScript it is a plain multipart form; hydrated, it reads the
//! chosen package in the browser (the same reader and checks as the server, from `model/`), shows
//! what the checks will say before anything is sent, and uploads with a progress bar.

use crate::model::checks::{Finding, FindingSeverity};
use crate::model::extension::UploadRefusal;
use crate::model::package::MAX_COMPRESSED_BYTES;
use crate::model::publisher::PublisherSummary;
use leptos::prelude::*;

/// Findings of the automated checks, blocking ones first.
#[component]
pub fn FindingList(findings: Vec<Finding>) -> impl IntoView {
    if findings.is_empty() {
        return view! { <p class="hint">"The automated checks found nothing to report."</p> }
            .into_any();
    }
    view! {
        <ul class="diagnostics findings">
            {findings.into_iter().map(|f| {
                let blocking = f.severity == FindingSeverity::Blocking;
                view! {
                    <li class="diag" class:error=blocking class:warning=!blocking>
                        <span class="badge">{if blocking { "blocking" } else { "warning" }}</span>
                        " "
                        <code>{f.rule.clone()}</code>
                        {f.file.clone().map(|file| view! { " in " <code>{file}</code> })}
                        ": "
                        {f.message.clone()}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// What the browser found in the chosen package before sending it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Preview {
    Reading,
    Refused(String),
    Read {
        key: String,
        version: String,
        findings: Vec<Finding>,
    },
}

/// The upload form. `refusal` is the outcome of the last plain post, if it was refused.
#[component]
pub fn UploadForm(
    publishers: Vec<PublisherSummary>,
    refusal: Option<UploadRefusal>,
) -> impl IntoView {
    let initial = refusal.clone().unwrap_or_default();
    let refusal = RwSignal::new(refusal);
    let preview = RwSignal::new(None::<Preview>);
    let progress = RwSignal::new(None::<f64>);
    let field_error = move |name: &'static str| {
        move || {
            refusal.with(|r| {
                r.as_ref()
                    .filter(|r| r.field.as_deref() == Some(name))
                    .map(|r| r.message.clone())
            })
        }
    };
    let form_message = move || {
        refusal.with(|r| {
            r.as_ref()
                .filter(|r| {
                    !matches!(
                        r.field.as_deref(),
                        Some("publisher") | Some("release_notes")
                    )
                })
                .map(|r| (r.message.clone(), r.findings.clone()))
        })
    };
    let blocked = move || {
        preview.with(|p| match p {
            Some(Preview::Refused(_)) => true,
            Some(Preview::Read { findings, .. }) => findings
                .iter()
                .any(|f| f.severity == FindingSeverity::Blocking),
            _ => false,
        })
    };
    let on_file = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            refusal.set(None);
            if let Some(file) = _ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            {
                client::check_file(file, preview);
            } else {
                preview.set(None);
            }
        }
    };
    let on_submit = move |_ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            _ev.prevent_default();
            if progress.get_untracked().is_some() {
                return;
            }
            if let Some(form) = _ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
            {
                client::send(form, progress, refusal);
            }
        }
    };
    let publisher_options = publishers
        .iter()
        .map(|p| {
            let selected = p.slug == initial.publisher;
            view! { <option value=p.slug.clone() selected=selected>{format!("{} ({})", p.display_name, p.slug)}</option> }
        })
        .collect_view();
    view! {
        <form
            id="upload"
            class="narrow-form"
            method="post"
            action="/publish/upload"
            enctype="multipart/form-data"
            on:submit=on_submit
        >
            <div class="form-message" role="alert" aria-live="assertive">
                {move || form_message().map(|(message, findings)| view! {
                    <p class="error">{message}</p>
                    {(!findings.is_empty()).then(|| view! { <FindingList findings /> })}
                })}
            </div>
            <div class="field">
                <label for="upload-publisher">"Publisher" <span class="required" aria-hidden="true">" *"</span></label>
                <select id="upload-publisher" name="publisher" required aria-describedby="upload-publisher-error">
                    {publisher_options}
                </select>
                <p class="field-error" id="upload-publisher-error">{field_error("publisher")}</p>
            </div>
            <div class="field">
                <label for="upload-package">"Package" <span class="required" aria-hidden="true">" *"</span></label>
                <p class="hint" id="upload-package-hint">
                    {format!(
                        "A .tar.gz made by `kiket extensions package`, at most {} MB.",
                        MAX_COMPRESSED_BYTES / (1024 * 1024)
                    )}
                </p>
                <input
                    id="upload-package"
                    name="package"
                    type="file"
                    accept=".tar.gz,.tgz,application/gzip"
                    required
                    aria-describedby="upload-package-hint upload-preview"
                    on:change=on_file
                />
                <div id="upload-preview" aria-live="polite">
                    {move || preview.get().map(|p| match p {
                        Preview::Reading => view! { <p class="hint">"Checking the package…"</p> }.into_any(),
                        Preview::Refused(message) => view! {
                            <p class="error">{format!("This package will be refused: {message}")}</p>
                        }.into_any(),
                        Preview::Read { key, version, findings } => {
                            let blocking = findings.iter().filter(|f| f.severity == FindingSeverity::Blocking).count();
                            view! {
                                <p class={if blocking > 0 { "error" } else { "ok" }}>
                                    {if blocking > 0 {
                                        format!("{key} {version}: {blocking} blocking problem(s) — fix them before uploading.")
                                    } else {
                                        format!("{key} {version} is ready to upload.")
                                    }}
                                </p>
                                <FindingList findings />
                            }.into_any()
                        }
                    })}
                </div>
            </div>
            <div class="field">
                <label for="upload-notes">"Release notes"</label>
                <p class="hint" id="upload-notes-hint">"Optional: what changed, for the reviewer and your users."</p>
                <textarea id="upload-notes" name="release_notes" rows="4" maxlength="10000"
                    aria-describedby="upload-notes-hint upload-notes-error">{initial.release_notes.clone()}</textarea>
                <p class="field-error" id="upload-notes-error">{field_error("release_notes")}</p>
            </div>
            {move || progress.get().map(|p| view! {
                <div class="field">
                    <label for="upload-progress">"Uploading"</label>
                    <progress id="upload-progress" max="1" value=p>{format!("{:.0}%", p * 100.0)}</progress>
                </div>
            })}
            <button type="submit" class="button primary"
                disabled=move || blocked() || progress.get().is_some()
                aria-busy=move || progress.get().is_some().then_some("true")>
                {move || if progress.get().is_some() { "Uploading…" } else { "Upload version" }}
            </button>
        </form>
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use super::Preview;
    use crate::model::checks;
    use crate::model::extension::{UploadOutcome, UploadRefusal};
    use crate::model::manifest::lint_bytes;
    use crate::model::package::MAX_COMPRESSED_BYTES;
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// Reads the chosen file and runs the same reader and checks as the server.
    pub fn check_file(file: web_sys::File, preview: RwSignal<Option<Preview>>) {
        if file.size() > MAX_COMPRESSED_BYTES as f64 {
            preview.set(Some(Preview::Refused(format!(
                "the package is larger than {} MB",
                MAX_COMPRESSED_BYTES / (1024 * 1024)
            ))));
            return;
        }
        preview.set(Some(Preview::Reading));
        leptos::task::spawn_local(async move {
            let Ok(buffer) = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await else {
                preview.set(Some(Preview::Refused("the file could not be read".into())));
                return;
            };
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            let result = match crate::model::unpack::unpack(&bytes) {
                Err(e) => Preview::Refused(e.to_string()),
                Ok(unpacked) => {
                    let lint = lint_bytes(unpacked.manifest());
                    let findings = checks::run(&unpacked.facts(), &lint);
                    let (key, version) = lint
                        .manifest
                        .as_ref()
                        .map(|m| (m.key.clone(), m.version.clone()))
                        .unwrap_or_else(|| ("The manifest".into(), String::new()));
                    Preview::Read {
                        key,
                        version,
                        findings,
                    }
                }
            };
            preview.set(Some(result));
        });
    }

    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: ErrorFields,
        #[serde(default)]
        findings: Vec<crate::model::checks::Finding>,
    }

    #[derive(serde::Deserialize)]
    struct ErrorFields {
        message: String,
        field: Option<String>,
    }

    /// Sends the form with a progress bar; on success goes to the new version's page.
    pub fn send(
        form: web_sys::HtmlFormElement,
        progress: RwSignal<Option<f64>>,
        refusal: RwSignal<Option<UploadRefusal>>,
    ) {
        let failed = move |message: String| {
            progress.set(None);
            refusal.set(Some(UploadRefusal {
                message,
                ..Default::default()
            }));
        };
        let (Ok(data), Ok(xhr)) = (
            web_sys::FormData::new_with_form(&form),
            web_sys::XmlHttpRequest::new(),
        ) else {
            failed("This browser cannot send the form here; try again.".into());
            return;
        };
        if xhr.open("POST", "/publish/upload").is_err()
            || xhr
                .set_request_header("Accept", "application/json")
                .is_err()
        {
            failed("The upload could not start; try again.".into());
            return;
        }
        refusal.set(None);
        progress.set(Some(0.0));
        if let Ok(upload) = xhr.upload() {
            let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(
                move |e: web_sys::ProgressEvent| {
                    if e.length_computable() && e.total() > 0.0 {
                        progress.set(Some(e.loaded() / e.total()));
                    }
                },
            );
            upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
            on_progress.forget();
        }
        let done = xhr.clone();
        let on_load = Closure::<dyn FnMut()>::new(move || {
            let status = done.status().unwrap_or(0);
            let text = done.response_text().ok().flatten().unwrap_or_default();
            if status == 201 {
                if let Ok(outcome) = serde_json::from_str::<UploadOutcome>(&text) {
                    let _ = window().location().assign(&outcome.url);
                    return;
                }
            }
            progress.set(None);
            match serde_json::from_str::<ErrorBody>(&text) {
                Ok(body) => refusal.set(Some(UploadRefusal {
                    message: body.error.message,
                    field: body.error.field,
                    findings: body.findings,
                    ..Default::default()
                })),
                Err(_) => failed(format!("The upload failed (HTTP {status}); try again.")),
            }
        });
        xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
        on_load.forget();
        let on_error = Closure::<dyn FnMut()>::new(move || {
            failed("The upload failed: check your connection and try again.".into());
        });
        xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        if xhr.send_with_opt_form_data(Some(&data)).is_err() {
            failed("The upload could not start; try again.".into());
        }
    }
}
