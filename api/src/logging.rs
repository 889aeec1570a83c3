//! Log lines, as text (the default) or as JSON (`JALIN_LOG_FORMAT=json`, issue #21): one object
//! per line with the time, level, target, request id and message; the access log's records
//! (`jalin::access`) add their structured fields — method, route template, path, status,
//! latency and the caller's id. Only what is passed as such a field is written: no header,
//! query string or body ever reaches a log line, so tokens, passwords and secrets do not.

use std::io::Write;

use serde_json::{Map, Value};

/// The target of the access log: one record per request.
pub const ACCESS: &str = "jalin::access";

/// How log records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "text" => Some(Self::Text),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
        }
    }

    /// `JALIN_LOG_FORMAT` as start-up reads it before the configuration (an invalid value is
    /// refused by the configuration right after, with one line naming it).
    pub fn from_env() -> Self {
        std::env::var("JALIN_LOG_FORMAT")
            .ok()
            .and_then(|v| Self::parse(&v))
            .unwrap_or_default()
    }
}

/// Who made a request, once authenticated (set by the authentication extractor; read by the
/// access log).
#[derive(Debug, Clone)]
pub struct ActorId(pub String);

/// Collects a record's structured fields as JSON values.
struct Fields<'a>(&'a mut Map<String, Value>);

impl<'kvs> log::kv::VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(
        &mut self,
        key: log::kv::Key<'kvs>,
        value: log::kv::Value<'kvs>,
    ) -> Result<(), log::kv::Error> {
        let v = if let Some(n) = value.to_u64() {
            Value::from(n)
        } else if let Some(n) = value.to_i64() {
            Value::from(n)
        } else if let Some(f) = value.to_f64() {
            Value::from(f)
        } else if let Some(b) = value.to_bool() {
            Value::from(b)
        } else {
            Value::from(value.to_string())
        };
        self.0.insert(key.as_str().to_owned(), v);
        Ok(())
    }
}

/// One record as a JSON line (without the newline).
pub fn json_line(record: &log::Record<'_>, time: &str, request_id: Option<&str>) -> String {
    let mut o = Map::new();
    o.insert("time".into(), Value::from(time));
    o.insert("level".into(), Value::from(record.level().as_str()));
    o.insert("target".into(), Value::from(record.target()));
    if let Some(id) = request_id {
        o.insert("request_id".into(), Value::from(id));
    }
    o.insert("message".into(), Value::from(record.args().to_string()));
    let _ = record.key_values().visit(&mut Fields(&mut o));
    Value::Object(o).to_string()
}

/// Starts logging to stderr in `format`; the filter is `RUST_LOG` (default `info`).
pub fn init(format: LogFormat) {
    let env = env_logger::Env::default().default_filter_or("info");
    let _ = env_logger::Builder::from_env(env)
        .format(move |buf, record| {
            let rid = crate::context::current_request_id();
            let time = chrono::Utc::now()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            match format {
                LogFormat::Json => writeln!(buf, "{}", json_line(record, &time, rid.as_deref())),
                LogFormat::Text => writeln!(
                    buf,
                    "{} {:<5} {} request_id={} {}",
                    time,
                    record.level(),
                    record.target(),
                    rid.as_deref().unwrap_or("-"),
                    record.args()
                ),
            }
        })
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_access_record_is_one_json_object_with_its_fields() {
        let kvs: [(&str, log::kv::Value); 5] = [
            ("method", log::kv::Value::from("GET")),
            ("route", log::kv::Value::from("/v1/regions/{code}")),
            ("status", log::kv::Value::from(200u16)),
            ("latency_ms", log::kv::Value::from(1.5f64)),
            ("actor_id", log::kv::Value::from("u-1")),
        ];
        let args = format_args!("GET /v1/regions/33 200");
        let record = log::Record::builder()
            .level(log::Level::Info)
            .target(ACCESS)
            .args(args)
            .key_values(&kvs)
            .build();
        let line = json_line(&record, "2026-12-01T00:00:00.000Z", Some("rid-1"));
        assert!(!line.contains('\n'));
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["level"], "INFO");
        assert_eq!(v["target"], ACCESS);
        assert_eq!(v["request_id"], "rid-1");
        assert_eq!(v["route"], "/v1/regions/{code}");
        assert_eq!(v["status"], 200);
        assert_eq!(v["latency_ms"], 1.5);
        assert_eq!(v["actor_id"], "u-1");
        assert_eq!(v["message"], "GET /v1/regions/33 200");
    }

    #[test]
    fn the_format_is_text_or_json() {
        assert_eq!(LogFormat::parse("json"), Some(LogFormat::Json));
        assert_eq!(LogFormat::parse("text"), Some(LogFormat::Text));
        assert_eq!(LogFormat::parse("yaml"), None);
        assert_eq!(LogFormat::default(), LogFormat::Text);
    }
}
