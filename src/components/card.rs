//! An extension's card in the catalog and on publisher pages.

use crate::components::time::When;
use crate::model::catalog::{category_label, icon_path, CatalogCard};
use leptos::prelude::*;

/// The icon of an extension: its own, or a monogram of its name.
#[component]
pub fn ExtensionIcon(
    card: CatalogCard,
    #[prop(default = "icon")] class: &'static str,
) -> impl IntoView {
    if card.has_icon {
        view! { <img class=class src=icon_path(&card.key) alt="" width="48" height="48" loading="lazy" /> }
            .into_any()
    } else {
        let letter: String = card
            .name
            .chars()
            .find(|c| c.is_alphanumeric())
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_else(|| "?".into());
        // The hue follows the key, so a monogram keeps its colour.
        let hue = card
            .key
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
            % 360;
        view! {
            <span class=format!("{class} monogram") aria-hidden="true" style=format!("--hue: {hue}")>
                {letter}
            </span>
        }
        .into_any()
    }
}

/// One card.
#[component]
pub fn ExtensionCard(card: CatalogCard) -> impl IntoView {
    let c = card.clone();
    let installs = match c.installs {
        1 => "1 install".to_string(),
        n => format!("{n} installs"),
    };
    view! {
        <li class="card extension-card">
            <ExtensionIcon card=card />
            <div>
                <h3><a href=format!("/extensions/{}", c.key)>{c.name.clone()}</a></h3>
                <p class="hint">
                    <a class="publisher" href=format!("/publishers/{}", c.publisher)>{c.publisher_name.clone()}</a>
                    {c.verified.then(|| view! { " " <span class="badge verified" title="Verified publisher">"verified"</span> })}
                    {c.deprecated.then(|| view! { " " <span class="badge state-yanked">"deprecated"</span> })}
                </p>
                <p class="blurb">{c.listing.summary.clone()}</p>
                <p class="hint meta">
                    {format!("v{} · {installs} · updated ", c.latest)}<When ms=c.updated_at />
                </p>
                {(!c.listing.categories.is_empty()).then(|| view! {
                    <ul class="chips" aria-label="Categories">
                        {c.listing.categories.iter().map(|cat| view! {
                            <li><a href=format!("/extensions?category={cat}")>{category_label(cat)}</a></li>
                        }).collect_view()}
                    </ul>
                })}
            </div>
        </li>
    }
}
