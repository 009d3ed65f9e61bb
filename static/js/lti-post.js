// The deep linking answer goes back to the learning platform at once (a form, since it is a POST).
document.querySelector("form[data-lti-post]").submit();
