//! Adopting the running projects of processes that disappeared: a client on a shared store
//! looks for orphans every [`ProjectStore::orphan_scan`](crate::ProjectStore::orphan_scan),
//! claims those it can poll (the store claims each for one process only), and polls them at
//! the poll interval, through the rate limiter, until they finish.

use core::time::Duration;
use std::sync::Weak;

use tokio::time::{sleep_until, Instant};

use crate::client::{Client, Inner};
use crate::connect::Connector;
use crate::event::Event;
use crate::projects::Project;
use crate::request::ApiRequest;
use crate::trace;

/// An adopted project being polled. Dropped unfinished (the client went away), it is
/// disowned, not freed: it still runs, so it stays counted for another process to adopt.
struct Adopted {
    project: Option<Project>,
    path: String,
    next_poll: Instant,
    polls: u32,
    since: Instant,
}

impl Drop for Adopted {
    fn drop(&mut self) {
        if let Some(project) = self.project.take() {
            if project.is_running() {
                project.disown();
            }
        }
    }
}

/// Runs while the client lives: scans every `scan`, polls each adopted project at the
/// client's poll interval. Holds the client only while it works, so that dropping the last
/// clone ends it.
pub(crate) async fn adopt_and_poll<C: Connector>(client: Weak<Inner<C>>, scan: Duration) {
    let mut adopted: Vec<Adopted> = Vec::new();
    let mut next_scan = Instant::now();
    loop {
        let wake = adopted.iter().map(|a| a.next_poll).fold(next_scan, Instant::min);
        sleep_until(wake).await;
        let Some(client) = Client::from_weak(&client) else { return };
        let interval = client.api_settings().poll_interval;
        if Instant::now() >= next_scan {
            let slots = client.project_slots();
            match slots.adopt_orphans_where(|o| o.results_path.is_some()).await {
                Ok(projects) => {
                    let now = Instant::now();
                    for project in projects {
                        let Some(path) = project.results_path().map(str::to_owned) else {
                            continue;
                        };
                        trace::orphan_adopted(&path);
                        client.emit(&Event::OrphanAdopted { path: &path });
                        // Its status is unknown: polled at once.
                        let project = Some(project);
                        adopted.push(Adopted {
                            project,
                            path,
                            next_poll: now,
                            polls: 0,
                            since: now,
                        });
                    }
                }
                Err(e) => trace::orphan_scan_failed(&e),
            }
            next_scan = Instant::now() + scan;
        }
        for a in &mut adopted {
            let Some(project) = a.project.as_mut() else { continue };
            if a.next_poll > Instant::now() || !project.is_running() {
                continue;
            }
            if let Err(e) = client.poll(project, &ApiRequest::get(a.path.clone())).await {
                trace::orphan_poll_failed(&a.path, &e);
            }
            a.polls += 1;
            a.next_poll = Instant::now() + interval;
        }
        // Finished: seen so by a poll here, or by a waiting submission that polled it.
        adopted.retain_mut(|a| {
            let Some(project) = a.project.take_if(|p| !p.is_running()) else { return true };
            let failed = project.status() == Some("FAILED");
            let held = a.since.elapsed();
            trace::orphan_finished(&a.path, failed, a.polls, held);
            client.emit(&Event::OrphanFinished { path: &a.path, failed, polls: a.polls, held });
            false
        });
    }
}
