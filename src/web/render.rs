//! The patron pages as HTML, from the minijinja templates in
//! `assets/templates/web/` (embedded in the binary). Auto-escaping is on
//! for every value, so nothing typed or stored can add markup; the words
//! come from `text` in the page's language.

use crate::text::Words;
use minijinja::Environment;
use serde::Serialize;
use std::sync::LazyLock;

macro_rules! embedded {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../../assets/templates/web/", $name)))),+]
    };
}

static SOURCES: &[(&str, &str)] = embedded!(
    "base.html",
    "form_fields.html",
    "front.html",
    "request.html",
    "sent.html",
    "link.html",
    "message.html",
);

/// The stylesheet every page links.
pub const STYLE: &str = include_str!("../../assets/templates/web/style.css");

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in SOURCES {
        env.add_template(name, source)
            .expect("embedded templates parse");
    }
    env
});

/// What every page has: its language, its title and the site's name.
#[derive(Serialize)]
pub struct Frame<'a, T: Serialize> {
    pub lang: &'a str,
    pub title: &'a str,
    pub site: &'a str,
    /// `?lang=xx` when the patron picked a language, for the next page.
    pub lang_query: &'a str,
    #[serde(flatten)]
    pub page: T,
}

/// Renders `template` with `page` in `words`' language. A template that
/// does not render is a bug: it is logged and a plain page is returned.
pub fn page<T: Serialize>(
    words: &Words,
    template: &str,
    title: &str,
    lang_query: &str,
    page: T,
) -> String {
    let context = Frame {
        lang: words.lang().code(),
        title,
        site: words.t("web.title"),
        lang_query,
        page,
    };
    ENV.get_template(template)
        .and_then(|t| t.render(&context))
        .unwrap_or_else(|e| {
            tracing::error!("web template {template}: {e}");
            format!(
                "<!doctype html><title>{}</title>",
                words.t("web.unavailable_title")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;
    use serde_json::json;

    #[test]
    fn values_are_escaped_and_templates_render() {
        let w = Words::new(Language::En, "UTC");
        let html = page(
            &w,
            "message.html",
            "<b>title</b>",
            "?lang=en",
            json!({ "class": "error", "text": "<script>x</script>", "next": "", "orgs": [] }),
        );
        assert!(
            html.contains("&lt;script&gt;") && !html.contains("<script>"),
            "{html}"
        );
        assert!(html.contains("&lt;b&gt;title&lt;&#x2f;b&gt;"), "{html}");
        assert!(html.contains("<html lang=\"en\">") && html.contains("role=\"alert\""));
        for (name, _) in SOURCES {
            assert!(ENV.get_template(name).is_ok(), "{name}");
        }
    }
}
