"""``sightgate accounts``, ``keys`` and ``provisioning``: the analytics side."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from sightgate.cli.shared import (
    AccountIdOption,
    JsonOption,
    cli_actor,
    group,
    output,
    print_json,
    print_table,
    say,
    services,
)

accounts_app = group("Analytics accounts (QuickSight subscriptions).")
keys_app = group("Access keys of the AWS-compatible API.")
provisioning_app = group("Identity-driven provisioning of analytics users.")
rules_app = group("An account's provisioning rules.")
provisioning_app.add_typer(rules_app, name="rules")


# -- accounts and access keys ------------------------------------------------------------


@accounts_app.command("set-identity-source")
def accounts_set_identity_source(
    account_id: AccountIdOption,
    instance_arn: Annotated[
        str, typer.Option("--instance-arn", help="IAM Identity Center instance ARN.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Make an Identity Center instance the account's identity source, keeping every asset."""
    account = services().directory.accounts.set_identity_source(
        account_id, instance_arn, actor=cli_actor()
    )
    document = {
        "AwsAccountId": account.account_id,
        "AccountName": account.account_name,
        "AuthenticationType": account.authentication_method.value,
        "IAMIdentityCenterInstanceArn": account.iam_identity_center_instance_arn,
    }
    output(document, as_json, list(document))


@keys_app.command("create")
def keys_create(account_id: AccountIdOption, as_json: JsonOption = False) -> None:
    """Issue an access key and print its secret: the only time the secret is shown."""
    issued = services().access_keys.create(account_id, actor=cli_actor())
    if as_json:
        print_json(
            {
                "AccessKeyId": issued.access_key_id,
                "SecretAccessKey": issued.secret_access_key,
                "AccountId": issued.account_id,
            }
        )
        return
    for line in (
        f"AccessKeyId:     {issued.access_key_id}",
        f"SecretAccessKey: {issued.secret_access_key}",
        f"AccountId:       {issued.account_id}",
        "Store the secret now: it cannot be shown again.",
    ):
        say(line)


@keys_app.command("list")
def keys_list(
    account_id: Annotated[
        str | None, typer.Option("--account-id", help="Only this account's keys.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List access keys (never their secrets)."""
    keys = [
        {
            "AccessKeyId": key.access_key_id,
            "AccountId": key.account_id,
            "CreateDate": key.created_at.isoformat(),
        }
        for key in services().access_keys.list(account_id)
    ]
    output({"AccessKeys": keys}, as_json, ["AccessKeyId", "AccountId", "CreateDate"], "AccessKeys")


@keys_app.command("delete")
def keys_delete(
    access_key_id: Annotated[str, typer.Argument(help="The key's id (AKIA...).")],
) -> None:
    """Delete an access key: requests signed with it are refused from now on."""
    services().access_keys.delete(access_key_id, actor=cli_actor())
    say(f"deleted access key {access_key_id}")


# -- provisioning ----------------------------------------------------------------------


@rules_app.command("show")
def provisioning_rules_show(account_id: AccountIdOption, as_json: JsonOption = False) -> None:
    """Print an account's provisioning rules (the defaults when none were set)."""
    import yaml

    rules = services().provisioning.rules.get(account_id)
    document = rules.to_document()
    if as_json:
        print_json({"AwsAccountId": account_id, "Version": rules.version, "Rules": document})
        return
    sys.stdout.write(f"# account {account_id}, version {rules.version}\n")
    sys.stdout.write(yaml.safe_dump(document, sort_keys=False))


@rules_app.command("set")
def provisioning_rules_set(
    account_id: AccountIdOption,
    file: Annotated[Path, typer.Option("--file", help="Rules file (YAML or JSON); - for stdin.")],
    as_json: JsonOption = False,
) -> None:
    """Validate and store an account's provisioning rules; the worker applies them."""
    from sightgate.platform.errors import ValidationError

    try:
        content = sys.stdin.read() if str(file) == "-" else file.read_text("utf-8")
    except OSError as error:
        raise ValidationError("file", f"cannot read {file}: {error.strerror}") from error
    rules = services().provisioning.rules.set_text(account_id, content, actor=cli_actor())
    document = {"AwsAccountId": account_id, "Version": rules.version, "Rules": rules.to_document()}
    if as_json:
        print_json(document)
        return
    say(f"rules of account {account_id} set (version {rules.version})")


@provisioning_app.command("reconcile")
def provisioning_reconcile(
    account_id: Annotated[
        str | None,
        typer.Option("--account-id", help="Only this account (default: every linked account)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only print the differences.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Compare every account's users with the identity store; print and repair differences."""
    running = services()
    if account_id is not None:
        accounts = [account_id]
    else:
        accounts = sorted(
            {
                account
                for instance in running.instances.list()
                for account in running.provisioning.service.accounts_of_instance(
                    instance.instance_arn
                )
            }
        )
    differences = [
        difference.to_json()
        for account in accounts
        for difference in running.provisioning.service.reconcile(account, dry_run=dry_run)
    ]
    if as_json:
        print_json({"DryRun": dry_run, "Accounts": accounts, "Differences": differences})
        return
    if differences:
        print_table(differences, ["AwsAccountId", "Kind", "Namespace", "Name", "Detail"])
    verb = "found" if dry_run else "repaired"
    say(f"{len(differences)} difference(s) {verb} in {len(accounts)} account(s)")
