//! The HTTP client every adapter uses: one reqwest client with a timeout, and the mapping
//! of transport failures and HTTP statuses to [`ChannelError`].

use std::time::Duration;

use crate::{ChannelError, Options};

#[derive(Debug, Clone)]
pub struct Http {
    client: reqwest::Client,
}

/// A response's status, headers and body text.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Response {
    /// A header as text (Shopify's `Link`).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A header holding a whole number (WooCommerce's `X-WP-Total`).
    pub fn count(&self, name: &str) -> Option<u64> {
        self.header(name).and_then(|v| v.trim().parse().ok())
    }
}

impl Http {
    pub fn new(options: &Options) -> Result<Http, ChannelError> {
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .user_agent(concat!("jxc/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ChannelError::Network(e.to_string()))?;
        Ok(Http { client })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `req` and reads the body. Transport errors and 5xx are `Network`; 429 is
    /// `RateLimited` (with `Retry-After` seconds when given); other statuses come back
    /// for the adapter to read (platforms put their errors in 200 bodies).
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Result<Response, ChannelError> {
        self.send_reading_errors(req, snippet).await
    }

    /// [`Http::send`], with the platform's own way of reading an error body (`describe`)
    /// for the rate-limit and refusal messages.
    pub async fn send_reading_errors(
        &self,
        req: reqwest::RequestBuilder,
        describe: fn(&str) -> String,
    ) -> Result<Response, ChannelError> {
        let resp = req
            .send()
            .await
            .map_err(|e| ChannelError::Network(e.to_string()))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_millis((s * 1000.0) as u64));
        let headers = resp.headers().clone();
        let body = resp
            .text()
            .await
            .map_err(|e| ChannelError::Network(e.to_string()))?;
        if status == 429 {
            return Err(ChannelError::RateLimited {
                message: describe(&body),
                retry_after,
            });
        }
        if status >= 500 {
            return Err(ChannelError::Network(format!(
                "HTTP {status}: {}",
                snippet(&body)
            )));
        }
        if status == 401 || status == 403 {
            return Err(ChannelError::Unauthorized(format!(
                "HTTP {status}: {}",
                describe(&body)
            )));
        }
        Ok(Response {
            status,
            retry_after,
            headers,
            body,
        })
    }

    /// Parses a body as JSON, or `Malformed` with the body kept.
    pub fn json(body: &str) -> Result<serde_json::Value, ChannelError> {
        serde_json::from_str(body)
            .map_err(|e| ChannelError::malformed(format!("不是 JSON / not JSON: {e}"), body))
    }
}

/// The first 300 characters of a body, for messages.
pub fn snippet(body: &str) -> String {
    body.chars().take(300).collect()
}
