//! `/publish/validate`: paste or drop a manifest and see its diagnostics and the wizard it generates.
//! With JavaScript every keystroke is linted in the browser (the same code the server runs); without
//! it the form posts and the server renders the same result.

use crate::api::auth::kept_input;
use crate::api::manifests::ValidateManifest;
use crate::components::fields::WizardPreview;
use crate::model::manifest::diag::Severity;
use crate::model::manifest::wizard::wizards;
use crate::model::manifest::{lint, Lint};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

/// The validate page.
#[component]
pub fn ValidatePage() -> impl IntoView {
    let kept = Resource::new(|| (), |_| kept_input("validate".into()));
    view! {
        <Title text="Validate a manifest" />
        <section class="page wide">
            <h1>"Validate a manifest"</h1>
            <p>
                "Paste an " <code>"extension.yaml"</code> " (" <code>"manifest_version: 2"</code> ") or a "
                <code>".kiket/manifest.yaml"</code> " (" <code>"model_version: \"1.0\""</code>
                "). Every problem is listed with its line, and you see the setup wizard organizations will get."
            </p>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let source = kept.await.ok().and_then(|k| k.get("source").cloned()).unwrap_or_default();
                    view! { <Validator initial=source /> }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Validator(initial: String) -> impl IntoView {
    let source = RwSignal::new(initial);
    let result: Memo<Lint> = Memo::new(move |_| source.with(|s| lint(s)));
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    let jump_to = move |line: u32| {
        if let Some(area) = textarea.get_untracked() {
            let text = area.value();
            let offset: usize = text
                .split_inclusive('\n')
                .take(line.saturating_sub(1) as usize)
                .map(str::len)
                .sum();
            let offset = text[..offset.min(text.len())].encode_utf16().count() as u32;
            let _ = area.focus();
            let _ = area.set_selection_range(offset, offset);
        }
    };
    view! {
        <div class="validator">
            <form method="post" action=ValidateManifest::url() class="validate-form" on:submit=move |ev| {
                // Hydrated, the result is already on screen: nothing to send.
                ev.prevent_default();
            }>
                <div class="field">
                    <label for="manifest-source">"Manifest (YAML)"</label>
                    <p class="hint" id="manifest-source-hint">
                        {move || if hydrated.get() {
                            "Checked as you type. You can also drop a .yaml file here."
                        } else {
                            "Press Validate to check it."
                        }}
                    </p>
                    <textarea
                        id="manifest-source"
                        name="source"
                        rows="24"
                        spellcheck="false"
                        autocomplete="off"
                        aria-describedby="manifest-source-hint manifest-summary"
                        node_ref=textarea
                        prop:value=move || source.get()
                        on:input=move |ev| source.set(event_target_value(&ev))
                        on:dragover=move |ev| ev.prevent_default()
                        on:drop=move |ev| drop_file(ev, source)
                    >{source.get_untracked()}</textarea>
                </div>
                {move || (!hydrated.get()).then(|| view! {
                    <button type="submit" class="button primary">"Validate"</button>
                })}
                {move || hydrated.get().then(|| view! { <FilePicker source /> })}
            </form>
            <div class="validate-result">
                <Summary result />
                <ul class="diagnostics" aria-label="Diagnostics">
                    {move || result.with(|r| r.diagnostics.clone()).into_iter().map(|d| {
                        let line = d.line;
                        let class = match d.severity { Severity::Error => "diag error", Severity::Warning => "diag warning" };
                        let kind = match d.severity { Severity::Error => "Error", Severity::Warning => "Warning" };
                        view! {
                            <li class=class>
                                <button type="button" class="line-link" on:click=move |_| jump_to(line)>
                                    {format!("Line {}, col {}", d.line, d.column)}
                                </button>
                                " "
                                <strong>{kind}</strong>
                                " "
                                {(!d.path.is_empty()).then(|| view! { <code>{d.path.clone()}</code> })}
                                " "
                                <span>{d.message.clone()}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || result.with(|r| r.manifest.clone()).map(|m| {
                    let w = wizards(&m);
                    view! {
                        <section class="wizard-previews" aria-label="Wizard preview">
                            <h2>{format!("Setup wizard for {} {}", m.name, m.version)}</h2>
                            <WizardPreview wizard=w.organization title="Organization-level wizard (once per organization)" id_prefix="org" />
                            <WizardPreview wizard=w.project title="Project wizard (each installation)" id_prefix="project" />
                        </section>
                    }
                })}
            </div>
        </div>
    }
}

#[component]
fn Summary(result: Memo<Lint>) -> impl IntoView {
    let text = move || {
        result.with(|r| {
            if r.errors() == 0 && r.warnings() == 0 {
                match r.dialect {
                    Some(d) => format!("No problems found (dialect {}).", d.as_str()),
                    None => "No problems found.".to_string(),
                }
            } else {
                format!("{} error(s), {} warning(s).", r.errors(), r.warnings())
            }
        })
    };
    let ok = move || result.with(|r| r.errors() == 0);
    view! {
        <p id="manifest-summary" class="summary" class:ok=ok role="status" aria-live="polite">{text}</p>
    }
}

/// Reads a dropped file into the editor.
fn drop_file(ev: leptos::ev::DragEvent, source: RwSignal<String>) {
    ev.prevent_default();
    #[cfg(feature = "hydrate")]
    if let Some(file) = ev
        .data_transfer()
        .and_then(|dt| dt.files())
        .and_then(|f| f.get(0))
    {
        read_file(file, source);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = source;
}

#[cfg(feature = "hydrate")]
fn read_file(file: web_sys::File, source: RwSignal<String>) {
    leptos::task::spawn_local(async move {
        if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
            if let Some(text) = text.as_string() {
                source.set(text);
            }
        }
    });
}

/// A file input that loads a manifest from disk (needs JavaScript, so it appears once hydrated).
#[component]
fn FilePicker(source: RwSignal<String>) -> impl IntoView {
    let on_change = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(file) = _ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            {
                read_file(file, source);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = source;
    };
    view! {
        <div class="field">
            <label for="manifest-file">"Or open a file"</label>
            <input id="manifest-file" type="file" accept=".yaml,.yml,text/yaml" on:change=on_change />
        </div>
    }
}
