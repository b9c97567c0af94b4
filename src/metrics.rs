//! Prometheus metrics: request count and latency per route, sign-in failures and
//! lockouts, and — read from the database at each scrape — the outbox backlog and its
//! oldest item, overdue propagation tasks, audit events awaiting their link into the
//! hash chain, and pool use. Labels carry route patterns
//! (`/requests/{id}`), never paths with ids or personal values.

use std::net::IpAddr;
use std::sync::LazyLock;

use prometheus::{
    Encoder as _, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Sign-in codes and authenticator codes refused, by kind (`email_code`, `authenticator`).
pub static SIGN_IN_FAILURES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    IntCounterVec::new(Opts::new("portal_sign_in_failures_total", "Wrong sign-in codes, by kind"), &["kind"])
        .unwrap_or_else(|e| panic!("static metric definition: {e}"))
});

/// Sign-in attempts stopped by a limit, by kind (`email_code`, `authenticator`, `code_requests`).
pub static SIGN_IN_LOCKOUTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    IntCounterVec::new(Opts::new("portal_sign_in_lockouts_total", "Sign-ins stopped by a limit, by kind"), &["kind"])
        .unwrap_or_else(|e| panic!("static metric definition: {e}"))
});

/// The metrics of one portal instance.
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    /// Outbox items not yet delivered.
    pub outbox_backlog: IntGauge,
    /// Age in seconds of the oldest undelivered outbox item.
    pub outbox_oldest_seconds: IntGauge,
    /// Propagation tasks past their due date, unanswered.
    pub overdue_tasks: IntGauge,
    /// Audit events committed but not linked into the hash chain yet (PostgreSQL).
    pub audit_unlinked: IntGauge,
    /// Pool connections by state (`idle`, `in_use`).
    pub pool_connections: IntGaugeVec,
    /// The pool's maximum size.
    pub pool_max: IntGauge,
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new("portal_http_requests_total", "HTTP requests by route pattern, method and status"),
            &["route", "method", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new("portal_http_request_duration_seconds", "HTTP request latency by route pattern")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]),
            &["route", "method"],
        )?;
        let outbox_backlog = IntGauge::new("portal_outbox_backlog", "Outbox items (mail, webhooks) not yet delivered")?;
        let outbox_oldest_seconds =
            IntGauge::new("portal_outbox_oldest_age_seconds", "Age of the oldest undelivered outbox item")?;
        let overdue_tasks =
            IntGauge::new("portal_propagation_tasks_overdue", "Tasks for recipients past their due date")?;
        let audit_unlinked = IntGauge::new(
            "portal_audit_events_unlinked",
            "Audit events committed but not linked into the hash chain yet (a stalled linker shows here)",
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new("portal_db_pool_connections", "Database pool connections by state"),
            &["state"],
        )?;
        let pool_max = IntGauge::new("portal_db_pool_max_connections", "Database pool size limit")?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(outbox_backlog.clone()))?;
        registry.register(Box::new(outbox_oldest_seconds.clone()))?;
        registry.register(Box::new(overdue_tasks.clone()))?;
        registry.register(Box::new(audit_unlinked.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        registry.register(Box::new(SIGN_IN_FAILURES.clone()))?;
        registry.register(Box::new(SIGN_IN_LOCKOUTS.clone()))?;
        // Kinds appear at 0 before the first failure, so alerts on rate() work from the start.
        for kind in ["email_code", "authenticator"] {
            SIGN_IN_FAILURES.with_label_values(&[kind]);
            SIGN_IN_LOCKOUTS.with_label_values(&[kind]);
        }
        SIGN_IN_LOCKOUTS.with_label_values(&["code_requests"]);
        Ok(Metrics {
            registry,
            http_requests,
            http_duration,
            outbox_backlog,
            outbox_oldest_seconds,
            overdue_tasks,
            audit_unlinked,
            pool_connections,
            pool_max,
        })
    }

    /// Records one answered request.
    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.http_requests.with_label_values(&[route, method, status_label(status)]).inc();
        self.http_duration.with_label_values(&[route, method]).observe(seconds);
    }

    /// The text exposition format.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

/// Status codes as labels: exact for the common ones, the class otherwise (bounded cardinality).
fn status_label(status: u16) -> &'static str {
    match status {
        200 => "200",
        201 => "201",
        204 => "204",
        303 => "303",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        409 => "409",
        413 => "413",
        415 => "415",
        422 => "422",
        429 => "429",
        500 => "500",
        503 => "503",
        s if s < 300 => "2xx",
        s if s < 400 => "3xx",
        s if s < 500 => "4xx",
        _ => "5xx",
    }
}

/// An IPv4 or IPv6 network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `10.0.0.0/8`, `::1/128` or a bare address (a single host).
    pub fn parse(s: &str) -> Result<Network, String> {
        let s = s.trim();
        let (address, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let address: IpAddr = address.parse().map_err(|_| format!("`{s}` is not an IP network such as 10.0.0.0/8"))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("`{s}`: prefix 0 to {max}"))?,
            None => max,
        };
        Ok(Network { address, prefix })
    }

    /// Whether `ip` is inside (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - self.prefix) };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - self.prefix) };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_contain_their_addresses_only() {
        let lan = Network::parse("10.1.0.0/16").expect("parses");
        assert!(lan.contains("10.1.200.3".parse().expect("ip")));
        assert!(!lan.contains("10.2.0.1".parse().expect("ip")));
        assert!(lan.contains("::ffff:10.1.0.9".parse().expect("ip")), "IPv4-mapped");
        let host = Network::parse("::1").expect("parses");
        assert!(host.contains("::1".parse().expect("ip")));
        assert!(!host.contains("127.0.0.1".parse().expect("ip")));
        assert!(Network::parse("0.0.0.0/0").expect("parses").contains("8.8.8.8".parse().expect("ip")));
        assert!(Network::parse("10.0.0.0/33").is_err());
        assert!(Network::parse("localhost").is_err());
    }

    #[test]
    fn statuses_keep_label_cardinality_bounded() {
        assert_eq!(status_label(200), "200");
        assert_eq!(status_label(418), "4xx");
        assert_eq!(status_label(502), "5xx");
    }
}
