//! Mail templates from `assets/templates/LANG/NAME.{txt,html}`: the first
//! line of the text file is `subject: …`. Rendered with minijinja; HTML is
//! auto-escaped, so a name with markup cannot inject any.

use crate::domain::{Language, MailTemplate};
use minijinja::Environment;
use std::sync::LazyLock;

/// Every template name and language, embedded in the binary.
macro_rules! embedded {
    ($($lang:literal / $name:literal),+ $(,)?) => {
        &[$(
            (concat!($lang, "/", $name, ".txt"), include_str!(concat!("../../assets/templates/", $lang, "/", $name, ".txt"))),
            (concat!($lang, "/", $name, ".html"), include_str!(concat!("../../assets/templates/", $lang, "/", $name, ".html"))),
        )+]
    };
}

static SOURCES: &[(&str, &str)] = embedded!(
    "fi" / "pin_reset",
    "fi" / "password_reset",
    "fi" / "first_login",
    "fi" / "credential_changed",
    "fi" / "email_changed",
    "sv" / "pin_reset",
    "sv" / "password_reset",
    "sv" / "first_login",
    "sv" / "credential_changed",
    "sv" / "email_changed",
    "en" / "pin_reset",
    "en" / "password_reset",
    "en" / "first_login",
    "en" / "credential_changed",
    "en" / "email_changed",
);

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in SOURCES {
        env.add_template(name, source)
            .expect("embedded templates parse");
    }
    env
});

/// A rendered mail.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
#[error("template {name}: {message}")]
pub struct TemplateError {
    pub name: String,
    pub message: String,
}

/// Renders `template` in `lang` with `context`.
pub fn render(
    template: MailTemplate,
    lang: Language,
    context: &serde_json::Value,
) -> Result<Rendered, TemplateError> {
    let (name, lang) = (template.code(), lang.code());
    let err = |message: String| TemplateError {
        name: format!("{lang}/{name}"),
        message,
    };
    let text_name = format!("{lang}/{name}.txt");
    let html_name = format!("{lang}/{name}.html");
    let text = ENV
        .get_template(&text_name)
        .map_err(|e| err(e.to_string()))?
        .render(context)
        .map_err(|e| err(e.to_string()))?;
    let html = ENV
        .get_template(&html_name)
        .map_err(|e| err(e.to_string()))?
        .render(context)
        .map_err(|e| err(e.to_string()))?;
    let (first, body) = text
        .split_once('\n')
        .ok_or_else(|| err("empty template".into()))?;
    let subject = first
        .strip_prefix("subject:")
        .ok_or_else(|| err("the first line must be `subject: …`".into()))?;
    // A subject is one line whatever the values contain.
    let subject = subject.trim().replace(['\r', '\n'], " ");
    Ok(Rendered {
        subject,
        text: body.trim_start().to_string(),
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context() -> serde_json::Value {
        json!({
            "org_name": "Test <Library>",
            "full_name": "Äijä <script>",
            "link": "https://x.fi/link/abc",
            "expires": "22.11.2026 klo 16.30",
            "at": "22.11.2026 klo 16.00",
            "digits": 4,
            "help_contact": "desk, tel. 010",
        })
    }

    #[test]
    fn every_template_renders_in_every_language() {
        for &lang in Language::ALL {
            for &template in MailTemplate::ALL {
                let name = template.code();
                let r = render(template, lang, &context()).unwrap_or_else(|e| panic!("{e}"));
                assert!(
                    r.subject.contains("Test <Library>"),
                    "{lang}/{name}: {}",
                    r.subject
                );
                assert!(r.text.contains("Äijä <script>"), "{lang}/{name}");
                assert!(
                    r.html.contains("Äijä &lt;script&gt;"),
                    "{lang}/{name}: HTML is escaped"
                );
                assert!(!r.html.contains("<script>"));
                assert!(
                    r.text.contains("desk, tel. 010"),
                    "{lang}/{name}: help contact"
                );
                if name.ends_with("reset") || name == "first_login" {
                    // HTML escaping writes "/" as "&#x2f;", which browsers read back.
                    let html = r.html.replace("&#x2f;", "/");
                    assert!(
                        r.text.contains("https://x.fi/link/abc")
                            && html.contains("href=\"https://x.fi/link/abc\"")
                    );
                    assert!(
                        r.text.contains("22.11.2026 klo 16.30"),
                        "{lang}/{name}: expiry"
                    );
                }
            }
        }
        assert!(
            render(MailTemplate::PinReset, Language::Fi, &context())
                .unwrap()
                .text
                .contains("tasan 4 numeroa")
        );
        assert!(
            render(MailTemplate::PinReset, Language::Sv, &context())
                .unwrap()
                .subject
                .starts_with("Byte av PIN-kod")
        );
    }

    #[test]
    fn a_missing_value_is_an_error_not_a_blank() {
        let e = render(
            MailTemplate::PinReset,
            Language::En,
            &json!({ "org_name": "x" }),
        )
        .unwrap_err();
        assert!(e.to_string().contains("en/pin_reset"), "{e}");
    }
}
