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
) -> impl IntoView {
    let id = format!("{id_prefix}-{}", setting.key);
    let help_id = format!("{id}-help");
    let has_help = setting.description.is_some();
    let described = has_help.then(|| help_id.clone());
    let name = setting.key.clone();
    let default = setting.default.clone().unwrap_or_default();
    let placeholder = setting.placeholder.clone();
    let required = setting.required;
    let label = setting.label.clone();
    let control = match setting.kind {
        SettingType::Boolean => view! {
            <input type="checkbox" id=id.clone() name=name value="true" checked=default == "true" disabled=disabled aria-describedby=described.clone() />
        }
        .into_any(),
        SettingType::Select | SettingType::Project => {
            let options = setting.options.clone();
            let project = setting.kind == SettingType::Project;
            view! {
                <select id=id.clone() name=name disabled=disabled aria-describedby=described.clone()>
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
            let chosen: Vec<String> = default.split(',').map(|s| s.trim().to_string()).collect();
            let options = setting.options.clone();
            let group = id.clone();
            view! {
                <span class="choices" id=id.clone() role="group" aria-describedby=described.clone()>
                    {options
                        .into_iter()
                        .enumerate()
                        .map(|(i, o)| {
                            let oid = format!("{group}-{i}");
                            let label_for = oid.clone();
                            let checked = chosen.contains(&o.value);
                            view! {
                                <label for=label_for class="choice">
                                    <input type="checkbox" id=oid name=name.clone() value=o.value checked=checked disabled=disabled />
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
            <textarea id=id.clone() name=name rows="4" placeholder=placeholder disabled=disabled aria-describedby=described.clone()>{default}</textarea>
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
                    aria-describedby=described.clone()
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
    view! {
        <div class="field setting">
            <label for=id.clone()>
                {label}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
                " "
                {secret_note}
            </label>
            {setting.description.clone().map(|d| view! { <p class="hint" id=help_id.clone()>{d}</p> })}
            {control}
            {condition}
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
