//! `/extensions` and the front page: the catalog with search, filters, sort and pages.
//!
//! Everything is in the URL, so every view can be shared. Without JavaScript the form is a plain
//! GET form. Hydrated, results follow typing (debounced) and every filter change, and the URL is
//! kept in step; the search field is never re-rendered, so typing is not interrupted.

use crate::api::catalog::{catalog_facets, search_catalog};
use crate::components::card::ExtensionCard;
use crate::components::status::ErrorNotice;
use crate::model::catalog::{category_label, CatalogPage, CatalogParams, CatalogQuery, Sort};
use crate::model::manifest::names::Scope;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
#[cfg(feature = "hydrate")]
use leptos_router::hooks::use_navigate;
use leptos_router::hooks::use_query_map;
#[cfg(feature = "hydrate")]
use leptos_router::NavigateOptions;

/// Wait after the last keystroke before searching.
#[cfg(feature = "hydrate")]
const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(250);

/// `/extensions`.
#[component]
pub fn ExtensionsPage() -> impl IntoView {
    view! {
        <section class="page">
            <h1>"Extensions"</h1>
            <Catalog path="/extensions" />
        </section>
    }
}

fn params_of(q: &leptos_router::params::ParamsMap) -> CatalogParams {
    CatalogParams {
        q: q.get("q"),
        category: q.get("category"),
        event: q.get("event"),
        permission: q.get("permission"),
        verified: q.get("verified"),
        sort: q.get("sort"),
        page: q.get("page"),
    }
}

/// The catalog at `path` (the page the form submits to).
#[component]
pub fn Catalog(path: &'static str) -> impl IntoView {
    let query = use_query_map();
    let params = Memo::new(move |_| query.with(params_of));
    let results = Resource::new(
        move || params.get(),
        |p| {
            search_catalog(
                p.q,
                p.category,
                p.event,
                p.permission,
                p.verified,
                p.sort,
                p.page,
            )
        },
    );
    let facets = Resource::new(|| (), |_| catalog_facets());
    // What the form shows first: the query as the URL has it.
    let initial = params.with_untracked(|p| CatalogQuery::parse(p).0);
    let text = RwSignal::new(initial.q.clone());
    let form = NodeRef::<leptos::html::Form>::new();
    // Only the browser navigates (a thread-local value must not live in a server render).
    #[cfg(feature = "hydrate")]
    let navigate = StoredValue::new_local(use_navigate());
    // The search text last sent to the URL: a URL change with another text (back, forward, a
    // link) is copied into the field; the echo of what was typed is not, so typing continues.
    let sent = StoredValue::new(initial.q.clone());
    Effect::new(move |_| {
        let q = query.with(|q| q.get("q")).unwrap_or_default();
        if q.trim() != sent.get_value().trim() {
            sent.set_value(q.clone());
            text.set(q);
        }
    });
    let go = move |replace: bool| {
        let Some(_form) = form.get_untracked() else {
            return;
        };
        #[cfg(feature = "hydrate")]
        {
            let data = web_sys::FormData::new_with_form(&_form).ok();
            let field = |name: &str| data.as_ref().and_then(|d| d.get(name).as_string());
            let (q, _) = CatalogQuery::parse(&CatalogParams {
                q: field("q"),
                category: field("category"),
                event: field("event"),
                permission: field("permission"),
                verified: field("verified"),
                sort: field("sort"),
                page: None,
            });
            sent.set_value(q.q.clone());
            navigate.with_value(|navigate| {
                navigate(
                    &format!("{path}{}", q.to_query_string(1)),
                    NavigateOptions {
                        replace,
                        scroll: false,
                        ..NavigateOptions::default()
                    },
                )
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = replace;
    };
    let pending = StoredValue::new(None::<leptos::leptos_dom::helpers::TimeoutHandle>);
    let on_input = move |ev: leptos::ev::Event| {
        text.set(event_target_value(&ev));
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        #[cfg(feature = "hydrate")]
        pending.set_value(
            leptos::leptos_dom::helpers::set_timeout_with_handle(move || go(true), DEBOUNCE).ok(),
        );
    };
    let on_change = move |_: leptos::ev::Event| go(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(h) = pending.get_value() {
            h.clear();
        }
        go(false);
    };
    let current = move |f: fn(&CatalogQuery) -> Option<String>| {
        move || {
            params
                .with(|p| f(&CatalogQuery::parse(p).0))
                .unwrap_or_default()
        }
    };
    let sort_now = current(|q| Some(q.sort.as_str().to_string()));
    let verified_now = move || params.with(|p| CatalogQuery::parse(p).0.verified);
    view! {
        <CatalogTitle params path />
        <form class="catalog-search" method="get" action=path role="search" node_ref=form on:submit=on_submit>
            <div class="search-row">
                <label class="visually-hidden" for="catalog-q">"Search extensions"</label>
                <input
                    id="catalog-q"
                    type="search"
                    name="q"
                    placeholder="Search by name, key, tag or README…"
                    autocomplete="off"
                    maxlength="200"
                    value=initial.q.clone()
                    prop:value=move || text.get()
                    on:input=on_input
                />
                <button type="submit" class="button primary">"Search"</button>
            </div>
            <div class="filters">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let facets = facets.await.unwrap_or_default();
                        let categories: Vec<(String, String)> = facets.categories.iter()
                            .map(|(c, n)| (c.clone(), format!("{} ({n})", category_label(c)))).collect();
                        let events: Vec<(String, String)> = facets.events.iter()
                            .map(|(e, n)| (e.clone(), format!("{e} ({n})"))).collect();
                        let permissions: Vec<(String, String)> = facets.permissions.iter()
                            .map(|(p, n)| {
                                let text = Scope::parse(p).map(|s| s.scope.describe()).unwrap_or_else(|_| p.clone());
                                (p.clone(), format!("{text} — {p} ({n})"))
                            }).collect();
                        view! {
                            <FilterSelect name="category" label="Category" any="All categories" options=categories
                                now=current(|q| q.category.clone()) on_change />
                            <FilterSelect name="event" label="Trigger event" any="Any event" options=events
                                now=current(|q| q.event.clone()) on_change />
                            <FilterSelect name="permission" label="Permission" any="Any permission" options=permissions
                                now=current(|q| q.permission.clone()) on_change />
                        }
                    })}
                </Transition>
                <label class="check">
                    <input type="checkbox" name="verified" value="1"
                        checked=initial.verified prop:checked=verified_now on:change=on_change />
                    " Verified publishers only"
                </label>
                <label>
                    "Sort by "
                    <select name="sort" prop:value=sort_now on:change=on_change>
                        {Sort::ALL.iter().map(|(s, value, label)| view! {
                            <option value=*value selected=initial.sort == *s>{*label}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
        </form>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match results.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(page) => view! { <Results page path /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The page title and description follow the search.
#[component]
fn CatalogTitle(params: Memo<CatalogParams>, path: &'static str) -> impl IntoView {
    let title = move || {
        let q = params.with(|p| CatalogQuery::parse(p).0);
        match (q.q.is_empty(), path) {
            (false, _) => format!("“{}” — extensions", q.q),
            (true, "/") => String::new(),
            (true, _) => "Extensions".to_string(),
        }
    };
    let description = move || {
        let q = params.with(|p| CatalogQuery::parse(p).0);
        if q.q.is_empty() {
            "Browse extensions for Kiket projects: search by name, category, trigger event and permission.".to_string()
        } else {
            format!("Kiket extensions matching “{}”.", q.q)
        }
    };
    // The server reads the title after the page's reactive owner may be gone (under load, a
    // reactive title there panics): it gets plain text. In the browser the title follows the search.
    #[cfg(not(feature = "hydrate"))]
    let (title, description) = (title(), description());
    view! {
        <Title text=title />
        <Meta name="description" content=description />
    }
}

#[component]
fn FilterSelect<F, C>(
    name: &'static str,
    label: &'static str,
    any: &'static str,
    options: Vec<(String, String)>,
    now: F,
    on_change: C,
) -> impl IntoView
where
    F: Fn() -> String + Send + Sync + Clone + 'static,
    C: Fn(leptos::ev::Event) + Clone + 'static,
{
    let initial = now();
    // A value from the URL that no listed extension uses any more is still shown as chosen.
    let mut options = options;
    if !initial.is_empty() && !options.iter().any(|(v, _)| *v == initial) {
        options.push((initial.clone(), format!("{initial} (0)")));
    }
    let id = format!("filter-{name}");
    view! {
        <label for=id.clone()>{label}</label>
        <select id=id name=name prop:value=now on:change=on_change>
            <option value="" selected=initial.is_empty()>{any}</option>
            {options.into_iter().map(|(value, text)| {
                let selected = value == initial;
                view! { <option value=value selected=selected>{text}</option> }
            }).collect_view()}
        </select>
    }
}

#[component]
fn Results(page: CatalogPage, path: &'static str) -> impl IntoView {
    let q = page.query.clone();
    let pages = page.pages();
    let searching = !q.q.is_empty();
    let summary = match (page.total, searching) {
        (0, _) => String::new(),
        (1, true) => format!("1 extension matches “{}”", q.q),
        (n, true) => format!("{n} extensions match “{}”", q.q),
        (1, false) => "1 extension".to_string(),
        (n, false) => format!("{n} extensions"),
    };
    let link = move |p: u32| format!("{path}{}", q.to_query_string(p));
    let q = page.query.clone();
    let body = if page.total == 0 {
        view! { <EmptyState query=q.clone() path /> }.into_any()
    } else if page.cards.is_empty() {
        view! {
            <div class="empty-state">
                <p>{format!("Page {} is past the end: there are {pages} pages.", q.page)}</p>
                <p><a href=link(pages)>"Go to the last page"</a></p>
            </div>
        }
        .into_any()
    } else {
        view! {
            <ul class="cards catalog" aria-label="Extensions">
                {page.cards.into_iter().map(|card| view! { <ExtensionCard card /> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        {(!page.notices.is_empty()).then(|| view! {
            <div class="notice warning-notice" role="status">
                <ul>{page.notices.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul>
            </div>
        })}
        <p class="result-count" role="status">
            {summary}
            {(pages > 1).then(|| format!(" · page {} of {pages}", q.page.min(pages)))}
        </p>
        {body}
        {(pages > 1).then(|| view! {
            <nav class="pager" aria-label="Pages">
                {(q.page > 1).then(|| view! { <a rel="prev" href=link((q.page - 1).min(pages))>"← Previous"</a> })}
                <span>{format!("Page {} of {pages}", q.page.min(pages))}</span>
                {(q.page < pages).then(|| view! { <a rel="next" href=link(q.page + 1)>"Next →"</a> })}
            </nav>
        })}
    }
}

/// What to do when nothing matches.
#[component]
fn EmptyState(query: CatalogQuery, path: &'static str) -> impl IntoView {
    let searching = !query.q.is_empty();
    if !searching && !query.has_filters() {
        return view! {
            <div class="empty-state">
                <p>"No extensions are listed yet. Listings appear here once a publisher's version passes review."</p>
                <p><a href="/publish">"Publish the first one"</a></p>
            </div>
        }
        .into_any();
    }
    let without_filters = CatalogQuery {
        category: None,
        event: None,
        permission: None,
        verified: false,
        ..query.clone()
    };
    let without_text = CatalogQuery {
        q: String::new(),
        ..query.clone()
    };
    let what = if searching {
        format!("No extensions match “{}”", query.q)
    } else {
        "No extensions match these filters".to_string()
    };
    view! {
        <div class="empty-state">
            <p><strong>{what}{if searching && query.has_filters() { " with these filters." } else { "." }}</strong></p>
            <ul>
                {(searching && query.has_filters()).then(|| view! {
                    <li><a href=format!("{path}{}", without_filters.to_query_string(1))>
                        {format!("Search “{}” without filters", query.q)}
                    </a></li>
                })}
                {searching.then(|| view! {
                    <li>"Check the spelling, or use fewer or shorter words: every word must match, and a word matches the start of a longer one."</li>
                })}
                {(searching && query.has_filters()).then(|| view! {
                    <li><a href=format!("{path}{}", without_text.to_query_string(1))>"Show everything with these filters"</a></li>
                })}
                {(!searching).then(|| view! {
                    <li><a href=path>"Clear the filters"</a></li>
                })}
                <li><a href="/extensions">"Browse all extensions"</a></li>
            </ul>
        </div>
    }
    .into_any()
}
