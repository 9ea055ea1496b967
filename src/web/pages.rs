//! The patron pages as HTML: small, server-rendered, no JavaScript, one
//! form per page with labels tied to fields, every value escaped.

use crate::text::Words;

/// Escapes text for HTML element content and attribute values.
pub fn e(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

pub const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;line-height:1.5}\
label{display:block;margin-top:1rem;font-weight:600}input{font-size:1.1rem;padding:.4rem;width:100%;box-sizing:border-box}\
button{margin-top:1.2rem;font-size:1.1rem;padding:.5rem 1.2rem}.error{color:#a00;font-weight:600}.note{color:#444}";

/// A whole page around `body` (already HTML).
pub fn layout(texts: &Words, title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>{full_title}</title><link rel=\"stylesheet\" href=\"/style.css\"></head>\
<body><main><h1>{title}</h1>\n{body}\n</main></body></html>\n",
        lang = texts.lang().code(),
        title = e(title),
        full_title = if title == texts.t("web.title") {
            e(title)
        } else {
            format!("{} – {}", e(title), e(texts.t("web.title")))
        },
    )
}

/// A labelled input.
pub fn field(id: &str, label: &str, kind: &str, autocomplete: &str, extra: &str) -> String {
    format!(
        "<label for=\"{id}\">{label}</label><input id=\"{id}\" name=\"{id}\" type=\"{kind}\" autocomplete=\"{autocomplete}\" required {extra}>",
        label = e(label)
    )
}

pub fn form(action: &str, csrf: &str, fields: &str, button: &str) -> String {
    format!(
        "<form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">{fields}<button type=\"submit\">{button}</button></form>",
        action = e(action),
        csrf = e(csrf),
        button = e(button)
    )
}

pub fn paragraph(text: &str, class: &str) -> String {
    if class.is_empty() {
        format!("<p>{}</p>", e(text))
    } else {
        format!("<p class=\"{class}\" role=\"status\">{}</p>", e(text))
    }
}
