"""An example ISV web app on its own origin, embedding sightgate dashboards the way an ISV
embeds QuickSight: its server calls ``GenerateEmbedUrlForRegisteredUser`` through the AWS
SDK, its page hands the URL to ``amazon-quicksight-embedding-sdk`` from npm.

It stands in for the seed blog post's "SaaS application": picking a user stands in for
the ISV's own login. ``sightgate demo app`` runs it; ``make run`` starts it beside the
server.
"""
