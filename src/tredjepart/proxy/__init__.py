"""The mitmproxy face: the addon (options, commands, hooks), the control page, the in-process mitmproxy for crawls,
and the entry script's target. Talks to the recorder interface and the policy loader, nothing lower."""
