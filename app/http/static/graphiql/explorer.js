/*
 * The explorer page (app/http/explorer.html): a sign-in bar and GraphiQL, served by the API
 * itself. The access token is kept in this closure only (never in storage); the refresh token is
 * the API's httpOnly cookie, renewed with the CSRF double-submit header. The operations sent by
 * the bar are in explorer.graphql. In "admins" mode GraphiQL is shown to administrators only;
 * the server enforces the rest (every operation runs with the caller's own token; introspection
 * is for administrators in production).
 */
(function () {
  "use strict";

  var page = document.body.dataset;
  var endpoint = page.endpoint;
  var adminsOnly = page.mode === "admins";
  var form = document.getElementById("ews-signin");
  var userLabel = document.getElementById("ews-user");
  var signOutButton = document.getElementById("ews-signout");
  var statusLabel = document.getElementById("ews-status");
  var container = document.getElementById("graphiql");

  var session = null; // { token, email, role }
  var refused = null; // the e-mail of a signed-in user who is not an administrator
  var refreshTimer = null;
  var operations = null;
  var reactRoot = null;
  var fetcher = null;

  function say(message, isError) {
    statusLabel.textContent = message || "";
    statusLabel.classList.toggle("ews-error", Boolean(isError));
  }

  function cookie(name) {
    var prefix = name + "=";
    var parts = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].indexOf(prefix) === 0) {
        return decodeURIComponent(parts[i].slice(prefix.length));
      }
    }
    return null;
  }

  function csrfHeaders() {
    var token = cookie(page.csrfCookie);
    return token ? { "X-CSRF-Token": token } : {};
  }

  function authHeaders() {
    return session ? { Authorization: "Bearer " + session.token } : {};
  }

  function loadOperations() {
    if (!operations) {
      operations = fetch(page.operations, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) {
          throw new Error("The sign-in operations could not be loaded (" + r.status + ").");
        }
        return r.text();
      });
    }
    return operations;
  }

  function send(operationName, variables, headers) {
    return loadOperations().then(function (text) {
      return fetch(endpoint, {
        method: "POST",
        credentials: "same-origin",
        headers: Object.assign(
          { "Content-Type": "application/json", Accept: "application/json" },
          headers
        ),
        body: JSON.stringify({
          query: text,
          operationName: operationName,
          variables: variables || {},
        }),
      }).then(function (response) {
        return response.json();
      });
    });
  }

  function problem(body, payload) {
    var errors = (payload && payload.errors) || (body && body.errors) || [];
    if (errors.length) {
      return errors
        .map(function (e) {
          return e.message;
        })
        .join(" ");
    }
    return payload && payload.accessToken ? null : "Signing in failed.";
  }

  function codes(payload) {
    return ((payload && payload.errors) || []).map(function (e) {
      return e.code;
    });
  }

  /* A login or refreshToken answer: the new session, or null with the reason shown. */
  function accept(body, field, quiet) {
    var payload = body && body.data ? body.data[field] : null;
    var reason = problem(body, payload);
    if (reason) {
      if (!quiet) {
        say(reason, true);
      }
      if (codes(payload).indexOf("MFA_REQUIRED") >= 0) {
        form.elements.totpCode.focus();
      }
      return null;
    }
    var user = payload.user || {};
    if (adminsOnly && user.role !== "ADMIN") {
      refused = user.email || "this account";
      forget();
      say("");
      return null;
    }
    var first = session === null;
    session = { token: payload.accessToken, email: user.email, role: user.role };
    refused = null;
    schedule(payload.expiresIn);
    if (first) {
      fetcher = null; // a new caller: GraphiQL fetches the schema again
    }
    say(payload.mfaSetupRequired ? "Set up two-factor authentication: admin rights wait for it." : "");
    return session;
  }

  function schedule(expiresIn) {
    clearTimeout(refreshTimer);
    var seconds = Math.max(Math.min(expiresIn - 60, expiresIn * 0.8), 5);
    refreshTimer = setTimeout(function () {
      renew(false);
    }, seconds * 1000);
  }

  function forget() {
    clearTimeout(refreshTimer);
    if (session !== null) {
      fetcher = null;
    }
    session = null;
  }

  function renew(quiet) {
    return send("ExplorerRefresh", {}, csrfHeaders())
      .then(function (body) {
        if (!accept(body, "refreshToken", quiet)) {
          forget();
        }
      })
      .catch(function (error) {
        forget();
        if (!quiet) {
          say(error.message, true);
        }
      })
      .then(render);
  }

  function signIn(event) {
    event.preventDefault();
    var data = new FormData(form);
    var code = String(data.get("totpCode") || "").trim();
    say("Signing in…");
    send("ExplorerLogin", {
      email: String(data.get("email") || "").trim(),
      password: String(data.get("password") || ""),
      totpCode: code || null,
    })
      .then(function (body) {
        if (accept(body, "login", false)) {
          form.reset();
        }
      })
      .catch(function (error) {
        say(error.message, true);
      })
      .then(render);
  }

  function signOut() {
    var headers = Object.assign({}, csrfHeaders(), authHeaders());
    forget();
    refused = null;
    send("ExplorerLogout", {}, headers)
      .then(function () {
        say("Signed out.");
      })
      .catch(function (error) {
        say(error.message, true);
      })
      .then(render);
  }

  function hasAuthorization(headers) {
    return Object.keys(headers || {}).some(function (name) {
      return name.toLowerCase() === "authorization";
    });
  }

  function makeFetcher() {
    var socket = new URL(endpoint, window.location.href);
    socket.protocol = socket.protocol === "https:" ? "wss:" : "ws:";
    var connectionParams = {};
    Object.defineProperty(connectionParams, "authorization", {
      enumerable: true,
      get: function () {
        return session ? "Bearer " + session.token : undefined;
      },
    });
    return GraphiQL.createFetcher({
      url: endpoint,
      subscriptionUrl: socket.toString(),
      wsConnectionParams: connectionParams,
      enableIncrementalDelivery: false,
      fetch: function (url, init) {
        var headers = Object.assign({}, init.headers);
        if (!hasAuthorization(headers)) {
          Object.assign(headers, authHeaders());
        }
        return window.fetch(
          url,
          Object.assign({}, init, { headers: headers, credentials: "same-origin" })
        );
      },
    });
  }

  function notice(text) {
    if (reactRoot) {
      reactRoot.unmount();
      reactRoot = null;
    }
    var paragraph = document.createElement("p");
    paragraph.className = "ews-notice";
    paragraph.textContent = text;
    container.replaceChildren(paragraph);
  }

  function render() {
    form.hidden = session !== null;
    signOutButton.hidden = session === null;
    userLabel.hidden = session === null;
    userLabel.textContent = session ? "Signed in as " + session.email + " (" + session.role + ")" : "";
    if (adminsOnly && session === null) {
      notice(
        refused
          ? refused + " is not an administrator: this explorer is for administrators only."
          : "This explorer is for administrators: sign in with an administrator account."
      );
      return;
    }
    if (typeof GraphiQL === "undefined") {
      notice("GraphiQL could not be loaded: reload the page (see the browser console).");
      return;
    }
    if (!fetcher) {
      fetcher = makeFetcher();
    }
    if (!reactRoot) {
      container.replaceChildren();
      reactRoot = ReactDOM.createRoot(container);
    }
    reactRoot.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        defaultEditorToolsVisibility: true,
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: false,
        inputValueDeprecation: true,
      })
    );
  }

  form.addEventListener("submit", signIn);
  signOutButton.addEventListener("click", signOut);
  if (cookie(page.csrfCookie)) {
    renew(true); // signed in before (the refresh cookie): pick the session up again
  } else {
    render();
  }
})();
