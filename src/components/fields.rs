//! One input per setting type, as the setup wizard asks for it, and the wizard preview built from
//! them.

use crate::model::manifest::settings::{Setting, SettingType};
use crate::model::manifest::wizard::{Wizard, WizardStep};
use crate::model::manifest::StepKind;
use leptos::prelude::*;

/// The control for one setting. `id_prefix` keeps ids unique when several wizards share a page;
/// `disabled` renders an inert preview.
#[component]
pub fn SettingInput(
    setting: Setting,
    id_prefix: String,
    #[prop(optional)] disabled: bool,
    /// The current value (instead of the default).
    #[prop(default = None)]
    value: Option<String>,
    /// Names the controls for the setup wizard's form (`values[KEY]`, `multi[KEY][i]`).
    #[prop(optional)]
    posted: bool,
    /// The field's error.
    #[prop(optional, into)]
    error: Option<Signal<Option<String>>>,
    /// A stored secret's status line ("set · updated …"); its input then may stay empty.
    #[prop(default = None)]
    stored: Option<AnyView>,
    /// Called with the control's value when it changes (booleans: "true"/"false").
    #[prop(optional)]
    on_value: Option<Callback<String>>,
) -> impl IntoView {
    let id = format!("{id_prefix}-{}", setting.key);
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let has_help = setting.description.is_some();
    let error = error.unwrap_or_else(|| Signal::derive(|| None));
    let described = {
        let (help_id, error_id) = (help_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_help {
                ids.push(help_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let invalid = move || error.with(Option::is_some).then_some("true");
    let name = if posted {
        format!("values[{}]", setting.key)
    } else {
        setting.key.clone()
    };
    let multi_name = move |i: usize, key: &str| {
        if posted {
            format!("multi[{key}][{i}]")
        } else {
            key.to_string()
        }
    };
    let default = value
        .clone()
        .or_else(|| setting.default.clone())
        .unwrap_or_default();
    let changed = move |ev: leptos::ev::Event| {
        if let Some(cb) = on_value {
            cb.run(event_target_value(&ev));
        }
    };
    let toggled = move |ev: leptos::ev::Event| {
        if let Some(cb) = on_value {
            cb.run(if event_target_checked(&ev) {
                "true".into()
            } else {
                "false".into()
            });
        }
    };
    let has_stored = stored.is_some();
    // The browser requires only what is always asked: conditional fields, stored and generated
    // secrets are checked by the model (in the browser when hydrated, and on the server).
    let html_required = setting.required
        && setting.show_when.is_none()
        && !(setting.secret && (has_stored || setting.auto_generate.is_some()));
    let placeholder = setting.placeholder.clone();
    let required = setting.required;
    let label = setting.label.clone();
    let control = match setting.kind {
        SettingType::Boolean => view! {
            <input type="checkbox" id=id.clone() name=name value="true" checked=default == "true" disabled=disabled aria-describedby=described.clone() aria-invalid=invalid on:change=toggled />
        }
        .into_any(),
        SettingType::Select | SettingType::Project => {
            let options = setting.options.clone();
            let project = setting.kind == SettingType::Project;
            view! {
                <select id=id.clone() name=name disabled=disabled aria-describedby=described.clone() aria-invalid=invalid required=html_required on:change=changed>
                    <option value="">{if project { "Choose a project of your organization" } else { "Choose…" }}</option>
                    {options
                        .into_iter()
                        .map(|o| {
                            let selected = o.value == default;
                            view! { <option value=o.value selected=selected>{o.label}</option> }
                        })
                        .collect_view()}
                </select>
            }
            .into_any()
        }
        SettingType::Multiselect => {
            let chosen: Vec<String> = default
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            // The ticked options, in the manifest's order, reported as one comma-joined value.
            let ticked = StoredValue::new(chosen.clone());
            let order: Vec<String> = setting.options.iter().map(|o| o.value.clone()).collect();
            let options = setting.options.clone();
            let group = id.clone();
            let key = setting.key.clone();
            view! {
                <span class="choices" id=id.clone() role="group" aria-labelledby=format!("{id}-label") aria-describedby=described.clone() aria-invalid=invalid>
                    {options
                        .into_iter()
                        .enumerate()
                        .map(|(i, o)| {
                            let oid = format!("{group}-{i}");
                            let label_for = oid.clone();
                            let checked = chosen.contains(&o.value);
                            let (value, order) = (o.value.clone(), order.clone());
                            let toggle = move |ev: leptos::ev::Event| {
                                let on = event_target_checked(&ev);
                                ticked.update_value(|t| {
                                    t.retain(|v| *v != value);
                                    if on {
                                        t.push(value.clone());
                                    }
                                });
                                if let Some(cb) = on_value {
                                    let joined = ticked.with_value(|t| {
                                        order.iter().filter(|o| t.contains(o)).cloned().collect::<Vec<_>>().join(",")
                                    });
                                    cb.run(joined);
                                }
                            };
                            view! {
                                <label for=label_for class="choice">
                                    <input type="checkbox" id=oid name=multi_name(i, &key) value=o.value checked=checked disabled=disabled on:change=toggle />
                                    {o.label}
                                </label>
                            }
                        })
                        .collect_view()}
                </span>
            }
            .into_any()
        }
        SettingType::Text | SettingType::Template | SettingType::Object => view! {
            <textarea id=id.clone() name=name rows="4" placeholder=placeholder disabled=disabled aria-describedby=described.clone() aria-invalid=invalid required=html_required on:input=changed>{default}</textarea>
        }
        .into_any(),
        kind => {
            let input_type = match kind {
                SettingType::Number | SettingType::Integer => "number",
                SettingType::Url => "url",
                SettingType::Email => "email",
                SettingType::Secret => "password",
                _ => "text",
            };
            let step = (kind == SettingType::Integer).then_some("1").or((kind == SettingType::Number).then_some("any"));
            let autocomplete = (kind == SettingType::Secret).then_some("off");
            view! {
                <input
                    type=input_type
                    id=id.clone()
                    name=name
                    value=if kind == SettingType::Secret { String::new() } else { default }
                    placeholder=placeholder
                    min=setting.min.map(|m| m.to_string())
                    max=setting.max.map(|m| m.to_string())
                    step=step
                    autocomplete=autocomplete
                    disabled=disabled
                    required=html_required
                    aria-describedby=described.clone()
                    aria-invalid=invalid
                    on:input=changed
                />
            }
            .into_any()
        }
    };
    let secret_note = setting
        .secret
        .then(|| view! { <span class="badge">"secret · write-only"</span> });
    let condition = setting.show_when.as_ref().map(
        |s| view! { <p class="hint">{format!("Shown when {} is {:?}.", s.field, s.equals)}</p> },
    );
    let secret_kind = setting.secret;
    // A group of checkboxes is labelled through aria-labelledby, not `for`.
    let label_for = (setting.kind != SettingType::Multiselect).then(|| id.clone());
    view! {
        <div class="field setting" class:has-error=move || error.with(Option::is_some)>
            <label for=label_for id=format!("{id}-label")>
                {label}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
                " "
                {secret_note}
            </label>
            {setting.description.clone().map(|d| view! { <p class="hint" id=help_id.clone()>{d}</p> })}
            {stored.map(|s| view! { <p class="hint secret-status">{s}</p> })}
            {(secret_kind && has_stored).then(|| view! { <p class="hint">"Leave empty to keep the stored value."</p> })}
            {control}
            {condition}
            <p class="field-error" id=error_id.clone() role="alert" aria-live="polite">{move || error.get()}</p>
        </div>
    }
}

fn step_label(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Secrets => "Secrets",
        StepKind::Configure => "Configure",
        StepKind::Test => "Test",
        StepKind::Info => "Info",
    }
}

/// A read-only rendering of a wizard: its steps in order with their fields.
#[component]
pub fn WizardPreview(
    wizard: Wizard,
    title: &'static str,
    id_prefix: &'static str,
) -> impl IntoView {
    let empty = wizard.steps.is_empty();
    let total = wizard.steps.len();
    view! {
        <section class="wizard-preview" aria-label=title>
            <h3>{title}</h3>
            {empty.then(|| view! { <p class="hint">"Nothing to ask."</p> })}
            <ol class="wizard-steps">
                {wizard
                    .steps
                    .into_iter()
                    .enumerate()
                    .map(|(i, step)| view! { <StepPreview step index=i total id_prefix /> })
                    .collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn StepPreview(
    step: WizardStep,
    index: usize,
    total: usize,
    id_prefix: &'static str,
) -> impl IntoView {
    let prefix = format!("{id_prefix}-{index}");
    view! {
        <li class="wizard-step">
            <p class="step-meta">
                {format!("Step {} of {} · {}", index + 1, total, step_label(step.kind))}
                {step.skippable.then(|| view! { <span class="badge">"skippable"</span> })}
            </p>
            <h4>{step.title.clone()}</h4>
            {step.description.clone().map(|d| view! { <p class="hint">{d}</p> })}
            {step
                .fields
                .into_iter()
                .map(|f| view! { <SettingInput setting=f id_prefix=prefix.clone() disabled=true /> })
                .collect_view()}
            {(step.kind == StepKind::Test)
                .then(|| view! { <p class="hint">"Sends a signed extension.ping to the extension and shows its answer."</p> })}
            {step.content.clone().map(|c| view! { <pre class="info-content">{c}</pre> })}
            {(!step.links.is_empty())
                .then(|| view! {
                    <ul>
                        {step.links.iter().map(|l| view! { <li>{format!("{} — {}", l.label, l.url)}</li> }).collect_view()}
                    </ul>
                })}
        </li>
    }
}
