// The texts the candidate pages' scripts show or announce, in the page's language. The server hands them over
// as JSON in the page's data-messages attribute (webapp/candidate/messages.py): no words live in the scripts.
// Placeholders are gettext's: %(name)s, and %(num)d for the number a plural text counts.

function fill(text, values) {
  return text.replace(/%\((\w+)\)[sd]/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

export class Messages {
  constructor(element, language) {
    let texts = {};
    try {
      texts = JSON.parse((element && element.dataset.messages) || "{}");
    } catch {
      // An unreadable catalogue shows the keys: the page keeps working.
    }
    this.texts = texts;
    this.plurals = new Intl.PluralRules(language || "en");
  }

  text(key, values = {}) {
    const text = this.texts[key];
    return typeof text === "string" ? fill(text, values) : key;
  }

  // One of a plural text's forms (by the language's plural rules) with `num` and `values` filled in.
  count(key, num, values = {}) {
    const forms = this.texts[key] || {};
    const form = forms[this.plurals.select(num)] || forms.other;
    return form ? fill(form, { ...values, num }) : key;
  }
}

// The messages of the page whose root element is `element`, in the language of the document.
export function pageMessages(element) {
  return new Messages(element, document.documentElement.lang);
}
