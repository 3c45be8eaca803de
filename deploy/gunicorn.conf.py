"""gunicorn settings for the referral app behind nginx (deploy/nginx/beweegkaart.conf).

Start it with `gunicorn -c deploy/gunicorn.conf.py`; options on the command line win.
The app reads its own settings from BEWEEGKAART_* variables (deploy/beweegkaart.env.example).
"""

wsgi_app = "referral_app:create_app()"
bind = "127.0.0.1:8001"  # loopback only: nginx is the way in
# Plain sync workers, one per core plus one (measured fastest on 2 cores; make bench).
# More than one worker needs shared rate limits: BEWEEGKAART_RATELIMIT_STORAGE_URI=redis://...
workers = 3
timeout = 30
graceful_timeout = 20
# nginx proxies /app/ with the prefix in the path; the app's links and cookies use it.
raw_env = ["SCRIPT_NAME=/app"]
# Only nginx on this machine may say the request came over HTTPS.
forwarded_allow_ips = "127.0.0.1"
# Access log to stdout (journald): method, path without query string, status, size, time.
# No Referer, no user agent; provider links are shortened by the app's log filter.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
# No runtime control socket (gunicorn 24+ makes one in the home folder): systemd and nginx
# are the controls, and the service writes nowhere but its logs.
control_socket_disable = True
