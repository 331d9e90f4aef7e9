//! Accessible form pieces: a labelled field whose error is announced, and the form-level message.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// A labelled input. The error (if any) is tied to the input with `aria-describedby` and announced.
#[component]
pub fn Field(
    /// Form id, used to make element ids unique on the page.
    form: &'static str,
    /// The input's `name`, which is also the server fn argument.
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// Input type.
    #[prop(default = "text")]
    kind: &'static str,
    /// Initial value (never used for passwords).
    #[prop(optional, into)]
    value: String,
    /// Error message for this field.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// `autocomplete` token.
    #[prop(optional)]
    autocomplete: Option<&'static str>,
    /// Short help under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// Whether the field must be filled in.
    #[prop(optional)]
    required: bool,
    /// Empties the input whenever this changes (passwords, after each submission).
    #[prop(optional, into)]
    clear_after: Option<Signal<usize>>,
) -> impl IntoView {
    let input_ref = NodeRef::<leptos::html::Input>::new();
    if let Some(clear_after) = clear_after {
        Effect::new(move |first_run_done: Option<()>| {
            clear_after.track();
            if first_run_done.is_some() {
                if let Some(input) = input_ref.get_untracked() {
                    input.set_value("");
                }
            }
        });
    }
    let id = format!("{form}-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:has-error=move || error.with(Option::is_some)>
            <label for=id.clone()>
                {label}
                {required.then(|| view! { <span class="required" aria-hidden="true">" *"</span> })}
            </label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input
                node_ref=input_ref
                id=id.clone()
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                aria-required=required.then_some("true")
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
            />
            <p class="field-error" id=error_id.clone() role="alert" aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}

/// The error of `action` that belongs to `field`, as a signal.
pub fn field_error<S>(action: ServerAction<S>, field: &'static str) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    Signal::derive(move || {
        action.value().with(|v| match v {
            Some(Err(e)) => e.for_field(field).or_else(|| {
                // Malformed posts name the pseudo-field "form": show them on the first field.
                (field == "form").then(|| e.to_string())
            }),
            _ => None,
        })
    })
}

/// The message above a form for errors that belong to no single field.
#[component]
pub fn FormMessage<S>(action: ServerAction<S>) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let message = move || {
        action.value().with(|v| match v {
            Some(Err(AppError::Validation { field, message })) if field == "form" => {
                Some(message.clone())
            }
            Some(Err(e)) => e.form_message(),
            _ => None,
        })
    };
    view! {
        <div class="form-message" role="alert" aria-live="assertive">
            {move || message().map(|m| view! { <p class="error">{m}</p> })}
        </div>
    }
}

/// A submit button that says it is busy while the action runs.
#[component]
pub fn Submit<S>(action: ServerAction<S>, label: &'static str, busy: &'static str) -> impl IntoView
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
{
    let pending = action.pending();
    view! {
        <button type="submit" class="button primary" aria-busy=move || pending.get().then_some("true")>
            {move || if pending.get() { busy } else { label }}
        </button>
    }
}
