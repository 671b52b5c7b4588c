"""Staff access: accounts and passwords, sign-in throttles, server-side staff sessions, SSO.

``accounts`` (create, sign in, administer), ``passwords`` (argon2 with bounded concurrency),
``throttle`` (progressive delays per client and per typed username), ``sessions`` (revocable
server-side staff sessions and the one-time ticket that sets their cookie), ``sso`` (OpenID
Connect logins through ``st.login`` mapped to roles). The SQL is in
``assessment.persistence.staff``.
"""
