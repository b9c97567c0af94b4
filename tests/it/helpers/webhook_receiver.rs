//! A webhook receiver for tests: a real HTTP server on 127.0.0.1 that answers with
//! scripted status codes and keeps every request it received, to check signatures,
//! retries and ids the way a recipient's endpoint would.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// The status it was answered with.
    pub answered: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the webhook body is JSON")
    }
}

#[derive(Default)]
struct Script {
    next: VecDeque<u16>,
    otherwise: u16,
    received: Vec<Received>,
}

/// The running receiver; stops when dropped.
pub struct WebhookReceiver {
    pub url: String,
    script: Arc<Mutex<Script>>,
    handle: actix_web::dev::ServerHandle,
}

async fn receive(req: HttpRequest, body: web::Bytes, script: web::Data<Arc<Mutex<Script>>>) -> HttpResponse {
    let mut s = script.lock().unwrap();
    let answered = s.next.pop_front().unwrap_or(s.otherwise);
    let headers =
        req.headers().iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned())).collect();
    s.received.push(Received { path: req.path().to_owned(), headers, body: body.to_vec(), answered });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(answered).unwrap()).finish()
}

impl WebhookReceiver {
    /// Answers `first` in order, then `otherwise` to everything.
    pub fn start(first: &[u16], otherwise: u16) -> WebhookReceiver {
        let script =
            Arc::new(Mutex::new(Script { next: first.iter().copied().collect(), otherwise, received: vec![] }));
        let data = web::Data::new(script.clone());
        let server = HttpServer::new(move || App::new().app_data(data.clone()).default_service(web::to(receive)))
            .workers(1)
            .bind("127.0.0.1:0")
            .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        WebhookReceiver { url: format!("http://127.0.0.1:{port}/hooks/privacy"), script, handle }
    }

    /// From now on answer `status` to everything.
    pub fn answer(&self, status: u16) {
        let mut s = self.script.lock().unwrap();
        s.next.clear();
        s.otherwise = status;
    }

    pub fn received(&self) -> Vec<Received> {
        self.script.lock().unwrap().received.clone()
    }

    /// Waits (up to `secs`) until `count` requests arrived; returns them all.
    pub async fn wait_for(&self, count: usize, secs: u64) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= count {
                return got;
            }
            assert!(
                started.elapsed() < Duration::from_secs(secs),
                "{count} webhook request(s) expected in {secs} s, got {}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}
