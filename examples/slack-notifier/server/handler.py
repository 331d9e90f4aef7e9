"""Receives Kiket deliveries and posts them to Slack."""
import hashlib
import hmac
import json
import os
import urllib.request


def verify(secret: bytes, timestamp: str, body: bytes, signature: str) -> bool:
    expected = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest("sha256=" + expected, signature)


def post_to_slack(token: str, channel: str, text: str) -> None:
    request = urllib.request.Request(
        "https://slack.com/api/chat.postMessage",
        data=json.dumps({"channel": channel, "text": text}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=5)


def handle(event: dict) -> None:
    settings = event["settings"]
    token = event["secrets"]["SLACK_BOT_TOKEN"]
    issue = event["data"]["issue"]
    post_to_slack(token, settings["channel"], f"{event['event']}: {issue['title']} {issue['url']}")


if __name__ == "__main__":
    print("run behind your web server; see README.md", os.getpid())
