//! Synthetic people for benchmarks and demos, as JSON Lines in the import format:
//! records per person log-normal around a median of 20 with a tail to 500,
//! relationships with 1–3 entities, 0–6 disclosures, about 8 marketing choices, all
//! drawn from the catalog. Deterministic for a given seed.

use std::io::{self, Write};

use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::catalog::Catalog;
use crate::domain::person::Role;

/// Most records one generated person has.
pub const MAX_RECORDS: usize = 500;

/// A small, fast, seedable generator (SplitMix64); statistical quality is plenty for
/// test data and it keeps the output stable across versions of any crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal value (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() { None } else { items.get(self.below(items.len())) }
    }
}

const FIRST: [&str; 16] = [
    "Anna", "Bram", "Chloé", "Daan", "Emma", "Finn", "Griet", "Hugo", "Iris", "Jan", "Kees", "Lotte", "Mila", "Noah",
    "Olga", "Pieter",
];
const LAST: [&str; 12] = [
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Peeters", "Maes", "Claes", "Willems", "Mulder", "Bos",
];
const CITIES: [&str; 8] = ["Utrecht", "Amsterdam", "Gent", "Antwerpen", "Rotterdam", "Eindhoven", "Brussel", "Leiden"];

/// Writes `count` people to `out`; person `i` has the address `person{offset+i}@{domain}`.
pub fn generate(
    catalog: &Catalog,
    count: u64,
    offset: u64,
    seed: u64,
    domain: &str,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Times count back from the start of today, so a run repeated the same day gives the
    // same file; the offset moves the stream, so parts generated separately differ.
    let now = now.replace_time(time::Time::MIDNIGHT);
    let mut rng = Rng(seed ^ offset.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let entities: Vec<_> = catalog.entities.iter().collect();
    let roles = [Role::CustomerContact, Role::ServiceUser, Role::CustomerContact, Role::WebsiteVisitor];
    for n in offset..offset + count {
        let first = FIRST[rng.below(FIRST.len())];
        let last = LAST[rng.below(LAST.len())];
        let entity_count = match rng.below(100) {
            0..50 => 1,
            50..85 => 2,
            _ => 3,
        }
        .min(entities.len());
        let mut mine = entities.clone();
        for i in 0..entity_count {
            let j = i + rng.below(mine.len() - i);
            mine.swap(i, j);
        }
        mine.truncate(entity_count);
        let since_days = 30 + rng.below(3000) as i64;
        let relationships: Vec<_> = mine
            .iter()
            .enumerate()
            .map(|(i, e)| {
                json!({
                    "entity": e.key.as_str(),
                    "role": roles[rng.below(roles.len())].as_str(),
                    "reference": format!("{}-{:07}", if i == 0 { "C" } else { "S" }, n),
                    "since": (now - Duration::days(since_days)).date().to_string(),
                })
            })
            .collect();

        let wanted = ((20f64.ln() + 0.9 * rng.normal()).exp().round() as usize).clamp(1, MAX_RECORDS);
        let mut records = Vec::with_capacity(wanted);
        let mut used = std::collections::HashSet::new();
        let mut attempts = 0;
        while records.len() < wanted && attempts < wanted * 4 {
            attempts += 1;
            let Some(entity) = rng.pick(&mine) else { break };
            let purposes: Vec<_> = catalog.purposes.iter().filter(|p| p.entity == entity.key).collect();
            let Some(purpose) = rng.pick(&purposes) else { break };
            let Some(category_key) = rng.pick(&purpose.categories) else { continue };
            let Some(category) = catalog.categories.iter().find(|c| &c.key == category_key) else { continue };
            let field = match rng.pick(&category.fields) {
                // Beyond the declared fields, sources hold numbered observations (events, tickets).
                Some(f) if used.contains(&(entity.key.as_str(), category.key.as_str(), f.key.as_str().to_owned())) => {
                    format!("{}-{}", f.key, records.len())
                }
                Some(f) => f.key.as_str().to_owned(),
                None => format!("item-{}", records.len()),
            };
            if !used.insert((entity.key.as_str(), category.key.as_str(), field.clone())) {
                continue;
            }
            let value = match field.as_str() {
                "city" => CITIES[rng.below(CITIES.len())].to_owned(),
                "name" | "full-name" => format!("{first} {last}"),
                f if f.starts_with("phone") => format!("+31 6 {:08}", rng.below(100_000_000)),
                f if f.starts_with("email") => format!("person{n}@{domain}"),
                _ => format!("value {} of {}", rng.below(1_000_000), category.key),
            };
            let collected = now - Duration::days(rng.below(since_days as usize) as i64) - Duration::minutes(5);
            records.push(json!({
                "entity": entity.key.as_str(),
                "category": category.key.as_str(),
                "field": field,
                "value": value,
                "source": if rng.below(4) == 0 { "observed" } else { "provided" },
                "collected_at": rfc3339(collected),
                "purposes": [purpose.key.as_str()],
            }));
        }

        let disclosure_count = rng.below(7);
        let mut disclosures = Vec::new();
        for _ in 0..disclosure_count {
            let Some(recipient) = rng.pick(&catalog.recipients) else { break };
            let Some(entity) = rng.pick(&mine) else { break };
            let purposes: Vec<_> =
                catalog.purposes.iter().filter(|p| p.entity == entity.key && !p.categories.is_empty()).collect();
            let Some(purpose) = rng.pick(&purposes) else { continue };
            let categories: Vec<&str> = purpose.categories.iter().take(1 + rng.below(2)).map(|c| c.as_str()).collect();
            disclosures.push(json!({
                "recipient": recipient.key.as_str(),
                "entity": entity.key.as_str(),
                "purpose": purpose.key.as_str(),
                "categories": categories,
                "at": rfc3339(now - Duration::days(1 + rng.below(since_days as usize) as i64)),
            }));
        }

        let mut preferences = Vec::new();
        for entity in &mine {
            for channel in &entity.marketing_channels {
                if preferences.len() >= 8 {
                    break;
                }
                preferences.push(json!({
                    "entity": entity.key.as_str(),
                    "channel": channel.as_str(),
                    "granted": rng.below(3) != 0,
                    "at": rfc3339(now - Duration::days(1 + rng.below(since_days as usize) as i64)),
                }));
            }
        }

        let person = json!({
            "email": format!("person{n}@{domain}"),
            "name": format!("{first} {last}"),
            "language": if rng.below(2) == 0 { "nl" } else { "en" },
            "relationships": relationships,
            "records": records,
            "disclosures": disclosures,
            "preferences": preferences,
        });
        serde_json::to_writer(&mut *out, &person)?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::document;

    #[test]
    fn generated_people_are_valid_and_spread_like_real_ones() {
        let catalog = crate::catalog::Catalog::load(std::path::Path::new("config/catalog.toml")).expect("catalog");
        let now = time::macros::datetime!(2026-11-22 12:00 UTC);
        let mut out = Vec::new();
        generate(&catalog, 400, 0, 7, "example.test", now, &mut out).expect("writes");
        let mut counts = Vec::new();
        for line in out.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let doc = document::parse_json(line).expect("parses");
            let upsert = document::validate(doc, &catalog, now).unwrap_or_else(|e| panic!("{e:?}"));
            counts.push(upsert.data.records.len());
            assert!((1..=3).contains(&upsert.data.relationships.len()));
            assert!(upsert.data.disclosures.len() <= 6);
        }
        assert_eq!(counts.len(), 400);
        counts.sort();
        let median = counts[counts.len() / 2];
        assert!((12..=28).contains(&median), "median records per person {median}");
        assert!(counts[counts.len() - 1] > 60, "a long tail: max {}", counts[counts.len() - 1]);
    }

    #[test]
    fn the_same_seed_gives_the_same_people() {
        let catalog = crate::catalog::Catalog::load(std::path::Path::new("config/catalog.toml")).expect("catalog");
        let now = time::macros::datetime!(2026-11-22 12:00 UTC);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        generate(&catalog, 20, 0, 1, "x.test", now, &mut a).expect("writes");
        generate(&catalog, 20, 0, 1, "x.test", now, &mut b).expect("writes");
        assert_eq!(a, b);
    }
}
