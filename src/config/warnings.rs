//! Values that parse but cannot be meant for a real desk: the example
//! configuration's addresses, a sender at localhost, mail written to files.
//! `avain config check` lists them (with the key and line) so a copied
//! example does not reach patrons; nothing refuses to start because of them,
//! since the demo and tests run on exactly these values.

use super::{Config, MailTransport, at_line};

/// Domains reserved for documentation (RFC 2606, RFC 6761) and local names:
/// mail to them never arrives, links to them never open.
fn is_placeholder_host(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let reserved_tld = ["example", "invalid", "test", "localhost", "local"];
    host == "localhost"
        || host.starts_with("127.")
        || host == "[::1]"
        || labels.last().is_some_and(|tld| reserved_tld.contains(tld))
        // example.fi, example.com, example.org, … and their subdomains.
        || labels.len() >= 2 && labels[labels.len() - 2] == "example"
}

/// The host of `scheme://host[:port]/…`.
fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    host.split(':').next().unwrap_or(host)
}

/// The domain of `Name <user@domain>` or `user@domain`.
fn sender_domain(sender: &str) -> &str {
    let address = sender
        .rsplit_once('<')
        .map_or(sender, |(_, a)| a.trim_end_matches('>'));
    address.rsplit_once('@').map_or("", |(_, d)| d.trim())
}

impl Config {
    /// Each placeholder value, as "key (line N): why".
    pub fn placeholder_warnings(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (i, org) in self.orgs.iter().enumerate() {
            let url = String::from(org.link_base_url.clone());
            if is_placeholder_host(url_host(&url)) {
                let key = super::org_key(text, i, &["link_base_url"]);
                out.push(format!(
                    "{key}: {url:?} is an example address; patrons' links would not open \
                     (use the address of `avain serve` as patrons reach it)"
                ));
            }
        }
        let key = |name: &str| at_line(text, &format!("mail.{name}"), &["mail", name]);
        let domain = sender_domain(&self.mail.sender);
        if domain.is_empty() || is_placeholder_host(domain) {
            out.push(format!(
                "{}: {:?} is not a sender mail servers accept (use an address of \
                 your own domain, e.g. \"Library <noreply@library.fi>\")",
                key("sender"),
                self.mail.sender
            ));
        }
        if self.mail.transport == MailTransport::File {
            out.push(format!(
                "{}: mail is written to files in {:?}, not sent (set transport = \"smtp\" and url)",
                key("transport"),
                self.mail.folder
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../../config.toml.example");

    #[test]
    fn the_example_is_full_of_placeholders_and_says_where() {
        let config = Config::parse(EXAMPLE).unwrap();
        let warnings = config.placeholder_warnings(EXAMPLE);
        assert_eq!(warnings.len(), 4, "{warnings:#?}");
        assert!(warnings[0].starts_with("org[0].link_base_url (line 77): "));
        assert!(warnings[1].starts_with("org[1].link_base_url (line 97): "));
        assert!(warnings[2].starts_with("mail.sender (line 59): "));
        assert!(warnings[3].starts_with("mail.transport (line 57): "));
    }

    #[test]
    fn real_addresses_pass() {
        let text = EXAMPLE
            .replace("https://avain.example.fi", "https://avain.kirjasto.fi")
            .replace("noreply@localhost", "noreply@kirjasto.fi")
            .replace(
                "transport = \"file\"",
                "transport = \"smtp\"\nurl = \"smtp://mail.kirjasto.fi:587\"",
            );
        let config = Config::parse(&text).unwrap();
        assert_eq!(config.placeholder_warnings(&text), Vec::<String>::new());
    }

    #[test]
    fn hosts_and_senders() {
        for host in [
            "localhost",
            "127.0.0.1",
            "a.example",
            "x.test",
            "example.com",
            "w.example.org",
            "[::1]",
        ] {
            assert!(is_placeholder_host(host), "{host}");
        }
        for host in [
            "kirjasto.fi",
            "example-library.fi",
            "examples.com",
            "testing.fi",
        ] {
            assert!(!is_placeholder_host(host), "{host}");
        }
        assert_eq!(url_host("https://user@avain.fi:8443/x"), "avain.fi");
        assert_eq!(url_host("http://[::1]:8080"), "[::1]");
        assert_eq!(sender_domain("avain <noreply@localhost>"), "localhost");
        assert_eq!(sender_domain("noreply@kirjasto.fi"), "kirjasto.fi");
        assert_eq!(sender_domain("no address"), "");
    }
}
