//! Event delivery pages for organization admins: an installation's delivery console
//! (`/orgs/{org}/installations/{id}/deliveries`), one delivery with its attempts
//! (`…/deliveries/{delivery}`), and the organization's tokens (`/orgs/{org}/tokens`).
//!
//! Filters are a GET form, so every view has a shareable URL and works without JavaScript.

use crate::api::deliveries::{
    get_delivery, get_delivery_console, get_org_tokens, CreateOrgToken, Redeliver, RedeliverFailed,
    RevokeOrgToken, TokenPage,
};
use crate::components::form::{field_error, Field, FormMessage, Submit};
use crate::components::status::ErrorNotice;
use crate::components::time::{format_ms, now_ms, When};
use crate::model::delivery::{
    AttemptView, ChartBucket, ChartWindow, DeliveryConsole, DeliveryDetail, DeliveryRow,
    DeliveryState, Outcome,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

fn loading() -> impl IntoView {
    view! { <p class="loading">"Loading…"</p> }
}

fn state_badge(state: DeliveryState) -> impl IntoView {
    view! { <span class=format!("badge delivery-{}", state.as_str())>{state.label()}</span> }
}

/// `YYYY-MM-DDTHH:MM` in UTC, as a datetime-local input takes it.
fn datetime_input(ms: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

/// The delivery console of an installation.
#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let (org, id) = params.with_untracked(|p| {
        (
            p.get("org").unwrap_or_default(),
            p.get("id").unwrap_or_default(),
        )
    });
    let redeliver_failed = ServerAction::<RedeliverFailed>::new();
    let console = Resource::new(
        move || {
            query.with(|q| {
                (
                    q.get("state"),
                    q.get("event"),
                    q.get("page").and_then(|p| p.parse::<u32>().ok()),
                    q.get("window"),
                )
            })
        },
        {
            let (org, id) = (org.clone(), id.clone());
            move |(state, event, page, window)| {
                get_delivery_console(org.clone(), id.clone(), state, event, page, window)
            }
        },
    );
    view! {
        <Title text="Deliveries" />
        <Transition fallback=loading>
            {move || {
                let (org, id) = (org.clone(), id.clone());
                Suspend::new(async move {
                    match console.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(c) => view! { <Console c org id redeliver_failed /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn Console(
    c: DeliveryConsole,
    org: String,
    id: String,
    redeliver_failed: ServerAction<RedeliverFailed>,
) -> impl IntoView {
    let query = use_query_map();
    let (state, event) = query.with_untracked(|q| {
        (
            q.get("state").unwrap_or_default(),
            q.get("event").unwrap_or_default(),
        )
    });
    let base = format!("/orgs/{org}/installations/{id}");
    let here = format!("{base}/deliveries");
    let link = {
        let (here, state, event) = (here.clone(), state.clone(), event.clone());
        move |page: u32, window: ChartWindow| {
            let mut parts = Vec::new();
            if !state.is_empty() {
                parts.push(format!("state={state}"));
            }
            if !event.is_empty() {
                parts.push(format!("event={event}"));
            }
            if page > 1 {
                parts.push(format!("page={page}"));
            }
            if window != ChartWindow::Day {
                parts.push(format!("window={}", window.as_str()));
            }
            if parts.is_empty() {
                here.clone()
            } else {
                format!("{here}?{}", parts.join("&"))
            }
        }
    };
    let pages = c.pages();
    let window = c.window;
    let since_default = datetime_input(now_ms() - 86_400_000);
    view! {
        <section class="page deliveries">
            <p><a href=base.clone()>"← The installation"</a></p>
            <h1>"Deliveries"</h1>
            {(!c.enabled).then(|| view! {
                <p class="notice">"This installation is not enabled: new events are not routed to it. Redeliveries and test events are still sent."</p>
            })}
            <h2>"Success rate"</h2>
            <p class="actions">
                <a href=link(1, ChartWindow::Day) aria-current=(window == ChartWindow::Day).then_some("page")>"Last 24 hours"</a>
                " · "
                <a href=link(1, ChartWindow::Week) aria-current=(window == ChartWindow::Week).then_some("page")>"Last 7 days"</a>
            </p>
            <Chart buckets=c.chart.clone() window />
            <h2>"Deliveries"</h2>
            <form method="get" action=here.clone() class="filters">
                <div class="field">
                    <label for="delivery-state">"State"</label>
                    <select id="delivery-state" name="state">
                        <option value="" selected=state.is_empty()>"Any state"</option>
                        {DeliveryState::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=state == s.as_str()>{s.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="delivery-event">"Event"</label>
                    <select id="delivery-event" name="event">
                        <option value="" selected=event.is_empty()>"Any event"</option>
                        {c.events.iter().map(|e| view! {
                            <option value=e.clone() selected=event == *e>{e.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                {(window != ChartWindow::Day).then(|| view! { <input type="hidden" name="window" value=window.as_str() /> })}
                <button type="submit" class="button">"Filter"</button>
            </form>
            <p class="hint">{format!("{} deliver{}", c.total, if c.total == 1 { "y" } else { "ies" })}</p>
            {if c.rows.is_empty() {
                view! {
                    <div class="empty-state">
                        <p>"No deliveries match."</p>
                        <p>"Send a test event from " <a href=base.clone()>"the installation page"</a>
                           ", or post one to the events API with an " <a href=format!("/orgs/{org}/tokens")>"organization token"</a> "."</p>
                    </div>
                }.into_any()
            } else {
                view! { <DeliveryTable rows=c.rows.clone() here=here.clone() /> }.into_any()
            }}
            {(pages > 1).then(|| {
                let link = link.clone();
                view! {
                    <nav class="pagination" aria-label="Pages of deliveries">
                        {(c.page > 1).then(|| view! { <a href=link(c.page - 1, window) rel="prev">"← Newer"</a> })}
                        <span>{format!(" Page {} of {pages} ", c.page)}</span>
                        {(c.page < pages).then(|| view! { <a href=link(c.page + 1, window) rel="next">"Older →"</a> })}
                    </nav>
                }
            })}
            <h2>"Redeliver failed deliveries"</h2>
            <p>"Sends every failed delivery since this time again, as new deliveries. Those already sent again are left out."</p>
            <div class="narrow-form">
                <ActionForm action=redeliver_failed>
                    <FormMessage action=redeliver_failed />
                    <input type="hidden" name="org" value=org.clone() />
                    <input type="hidden" name="id" value=id.clone() />
                    <Field form="redeliver" name="since" label="Failed since (UTC)" kind="datetime-local"
                        value=since_default error=field_error(redeliver_failed, "since") required=true />
                    <Submit action=redeliver_failed label="Redeliver failed" busy="Queuing…" />
                </ActionForm>
            </div>
        </section>
    }
}

#[component]
fn DeliveryTable(rows: Vec<DeliveryRow>, here: String) -> impl IntoView {
    view! {
        <table class="table deliveries">
            <caption class="visually-hidden">"Deliveries, newest first"</caption>
            <thead><tr>
                <th scope="col">"Delivery"</th><th scope="col">"Event"</th><th scope="col">"State"</th>
                <th scope="col">"Attempts"</th><th scope="col">"Last answer"</th><th scope="col">"Created"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr>
                        <td><a href=format!("{here}/{}", r.id)><code>{r.id.clone()}</code></a>
                            {r.redelivery_of.clone().map(|_| view! { " " <span class="badge">"redelivery"</span> })}</td>
                        <td><code>{r.event.clone()}</code>{(r.source != "api").then(|| format!(" ({})", r.source))}</td>
                        <td>{state_badge(r.state)}
                            {(r.state == DeliveryState::Pending).then(|| r.next_attempt_at.map(|at| view! { " · next " <When ms=at /> })).flatten()}</td>
                        <td>{r.attempts}</td>
                        <td>{match (r.last_status, r.last_error.clone()) {
                            (Some(s), _) => format!("HTTP {s}"),
                            (None, Some(e)) => e,
                            (None, None) => "—".into(),
                        }}</td>
                        <td><When ms=r.created_at /></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Bars of the success rate: the green part is the share of attempts answered 2xx.
#[component]
fn Chart(buckets: Vec<ChartBucket>, window: ChartWindow) -> impl IntoView {
    let n = buckets.len().max(1) as f64;
    let (width, height) = (480.0, 120.0);
    let slot = width / n;
    let bar = (slot * 0.8).max(1.0);
    let delivered: i64 = buckets.iter().map(|b| b.delivered).sum();
    let total: i64 = buckets.iter().map(|b| b.delivered + b.failed).sum();
    let summary = if total == 0 {
        "No attempts in this period.".to_string()
    } else {
        format!(
            "{delivered} of {total} attempts succeeded ({:.1} %).",
            delivered as f64 * 100.0 / total as f64
        )
    };
    let label = format!(
        "Success rate per {} — {summary}",
        if window == ChartWindow::Day {
            "hour"
        } else {
            "day"
        }
    );
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {width} {}", height + 16.0) role="img" aria-label=label xmlns="http://www.w3.org/2000/svg">
                {buckets.iter().enumerate().map(|(i, b)| {
                    let x = i as f64 * slot + (slot - bar) / 2.0;
                    let title = format!(
                        "{}: {} delivered, {} failed",
                        format_ms(b.start), b.delivered, b.failed
                    );
                    match b.rate() {
                        None => view! {
                            <g><title>{title}</title>
                                <rect class="empty" x=x y=height - 2.0 width=bar height=2.0 /></g>
                        }.into_any(),
                        Some(rate) => {
                            let ok = (rate * height).max(if b.delivered > 0 { 1.0 } else { 0.0 });
                            view! {
                                <g><title>{title}</title>
                                    <rect class="failed" x=x y=0.0 width=bar height=height - ok />
                                    <rect class="delivered" x=x y=height - ok width=bar height=ok /></g>
                            }.into_any()
                        }
                    }
                }).collect_view()}
                <text x=0.0 y=height + 14.0 class="axis">{buckets.first().map(|b| format_ms(b.start)).unwrap_or_default()}</text>
                <text x=width y=height + 14.0 class="axis" text-anchor="end">"now"</text>
            </svg>
            <figcaption>{summary}</figcaption>
        </figure>
    }
}

/// One delivery and its attempts.
#[component]
pub fn DeliveryPage() -> impl IntoView {
    let params = use_params_map();
    let (org, id) = params.with_untracked(|p| {
        (
            p.get("org").unwrap_or_default(),
            p.get("id").unwrap_or_default(),
        )
    });
    let redeliver = ServerAction::<Redeliver>::new();
    let detail = Resource::new(
        move || params.with(|p| p.get("delivery").unwrap_or_default()),
        {
            let (org, id) = (org.clone(), id.clone());
            move |delivery| get_delivery(org.clone(), id.clone(), delivery)
        },
    );
    view! {
        <Title text="Delivery" />
        <Transition fallback=loading>
            {move || {
                let (org, id) = (org.clone(), id.clone());
                Suspend::new(async move {
                    match detail.await {
                        Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        Ok(d) => view! { <Delivery d org id redeliver /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn Delivery(
    d: DeliveryDetail,
    org: String,
    id: String,
    redeliver: ServerAction<Redeliver>,
) -> impl IntoView {
    let console = format!("/orgs/{org}/installations/{id}/deliveries");
    let r = d.delivery.clone();
    view! {
        <Title text=format!("Delivery {}", r.id) />
        <section class="page delivery">
            <p><a href=console.clone()>"← Deliveries"</a></p>
            <h1>"Delivery " <code>{r.id.clone()}</code></h1>
            <dl class="facts">
                <dt>"Event"</dt><dd><code>{r.event.clone()}</code>" · " <code>{r.event_id.clone()}</code>{format!(" · from {}", r.source)}</dd>
                <dt>"State"</dt><dd>{state_badge(r.state)}
                    {r.next_attempt_at.filter(|_| r.state == DeliveryState::Pending).map(|at| view! { " · next attempt " <When ms=at /> })}
                    {r.completed_at.map(|at| view! { " · " <When ms=at /> })}</dd>
                <dt>"URL"</dt><dd><code>{d.url.clone()}</code></dd>
                <dt>"Created"</dt><dd><When ms=r.created_at /></dd>
                {r.redelivery_of.clone().map(|of| view! {
                    <dt>"Redelivery of"</dt><dd><a href=format!("{console}/{of}")><code>{of.clone()}</code></a></dd>
                })}
            </dl>
            <ActionForm action=redeliver attr:class="inline-form">
                <FormMessage action=redeliver />
                <input type="hidden" name="org" value=org.clone() />
                <input type="hidden" name="id" value=id.clone() />
                <input type="hidden" name="delivery" value=r.id.clone() />
                <button type="submit" class="button primary">"Redeliver"</button>
            </ActionForm>
            <h2>"Event data"</h2>
            <pre class="payload"><code>{d.data.clone()}</code></pre>
            <p class="hint">"Each request also carries the installation's resolved secrets, which are never recorded or shown."</p>
            <h2>{format!("Attempts ({})", d.attempts.len())}</h2>
            {if d.attempts.is_empty() {
                view! { <p>"Not sent yet."</p> }.into_any()
            } else {
                view! { <ol class="attempts">{d.attempts.into_iter().map(|a| view! { <Attempt a /> }).collect_view()}</ol> }.into_any()
            }}
        </section>
    }
}

#[component]
fn Attempt(a: AttemptView) -> impl IntoView {
    let verdict = match a.outcome {
        Outcome::Delivered => "Delivered",
        Outcome::Retry => "Will be retried",
        Outcome::Failed => "Failed",
        Outcome::Gone => "Gone (410): the installation was disabled",
    };
    view! {
        <li class=format!("attempt outcome-{}", a.outcome.as_str())>
            <h3>{format!("Attempt {} · ", a.number)}<When ms=a.started_at />
                {format!(" · {} ms · {}", a.duration_ms, a.status.map(|s| format!("HTTP {s}")).unwrap_or_else(|| "no answer".into()))}</h3>
            <p><strong>{verdict}</strong>{a.error.clone().map(|e| format!(" — {e}"))}</p>
            <details>
                <summary>"Request headers"</summary>
                <table class="table headers">
                    <caption class="visually-hidden">"Request headers (signatures left out)"</caption>
                    <tbody>
                        {a.request_headers.iter().map(|(k, v)| view! { <tr><th scope="row"><code>{k.clone()}</code></th><td><code>{v.clone()}</code></td></tr> }).collect_view()}
                    </tbody>
                </table>
                <p class="hint">"Signature headers are left out."</p>
            </details>
            {a.response_body.clone().filter(|b| !b.is_empty()).map(|b| view! {
                <details open=true>
                    <summary>"Response (first 4 KB)"</summary>
                    <pre class="payload"><code>{b}</code></pre>
                </details>
            })}
        </li>
    }
}

/// The organization's tokens for the events API.
#[component]
pub fn OrgTokensPage() -> impl IntoView {
    let org = use_params_map().with_untracked(|p| p.get("org").unwrap_or_default());
    let create = ServerAction::<CreateOrgToken>::new();
    let revoke = ServerAction::<RevokeOrgToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        move |_| get_org_tokens(org.clone()),
    );
    view! {
        <Title text="Organization tokens" />
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match tokens.await {
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                    Ok(t) => view! { <Tokens t create revoke /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Tokens(
    t: TokenPage,
    create: ServerAction<CreateOrgToken>,
    revoke: ServerAction<RevokeOrgToken>,
) -> impl IntoView {
    let slug = t.org.0.clone();
    let example = format!(
        "curl -X POST {}/api/v1/projects/{slug}/PROJECT/events \\\n  -H \"Authorization: Bearer $KIKET_ORG_TOKEN\" \\\n  -H \"Content-Type: application/json\" \\\n  -d '{{\"event\": \"issue.created\", \"data\": {{\"issue\": {{\"id\": 42, \"title\": \"Test\"}}}}}}'",
        t.public_url.trim_end_matches('/')
    );
    view! {
        <section class="page tokens">
            <p><a href=format!("/orgs/{slug}")>{format!("← {}", t.org.1)}</a></p>
            <h1>"Organization tokens"</h1>
            <p>"A token with the " <code>"events:write"</code> " scope posts events into this organization's projects. "
               "Every installed extension that subscribed to the event receives a signed delivery."</p>
            {t.created.clone().map(|(name, token)| view! {
                <div class="banner success" role="status">
                    <p><strong>{format!("Token “{name}” created.")}</strong>" Copy it now: it is shown this once."</p>
                    <p><code class="token">{token}</code></p>
                </div>
            })}
            <pre class="payload"><code>{example}</code></pre>
            <h2>"Tokens"</h2>
            <FormMessage action=revoke />
            {if t.tokens.is_empty() {
                view! { <div class="empty-state"><p>"No tokens yet."</p></div> }.into_any()
            } else {
                view! {
                    <table class="table">
                        <caption class="visually-hidden">"Organization tokens"</caption>
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Scopes"</th><th scope="col">"Created"</th><th scope="col">"Last used"</th><th scope="col">"Status"</th></tr></thead>
                        <tbody>
                            {t.tokens.clone().into_iter().map(|tok| {
                                let slug = slug.clone();
                                let label = format!("Revoke: {}", tok.name);
                                view! {
                                    <tr>
                                        <td>{tok.name.clone()}</td>
                                        <td>{tok.scopes.iter().map(|s| view! { <code>{s.clone()}</code>" " }).collect_view()}</td>
                                        <td><When ms=tok.created_at />{tok.created_by.clone().map(|b| format!(" by {b}"))}</td>
                                        <td>{match tok.last_used_at { Some(at) => view! { <When ms=at /> }.into_any(), None => "never".into_any() }}</td>
                                        <td>{match tok.revoked_at {
                                            Some(at) => view! { "revoked " <When ms=at /> }.into_any(),
                                            None => view! {
                                                <ActionForm action=revoke attr:class="inline-form">
                                                    <input type="hidden" name="org" value=slug />
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
                    <input type="hidden" name="org" value=slug.clone() />
                    <Field form="token" name="name" label="Name" hint="What uses it, such as “CI events”."
                        error=field_error(create, "name") required=true autocomplete="off" />
                    <Submit action=create label="Create token" busy="Creating…" />
                </ActionForm>
            </div>
        </section>
    }
}
