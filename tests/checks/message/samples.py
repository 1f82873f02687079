"""Header samples of the received-message tests: written by the project, in the forms receivers
and MTAs use (no copied real mail). Addresses are documentation ranges, names .example/.test."""

from __future__ import annotations

DATE = "Mon, 07 Dec 2026 02:10:00 +0000"

RECEIVED = {
    "postfix": ("from mail.example.com (mail.example.com [203.0.113.25]) (using TLSv1.3 with cipher "
                "TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) "
                "server-digest SHA256) (No client certificate requested) by mx.receiver.example (Postfix) with "
                f"ESMTPS id 4ABCD12345 for <b@receiver.example>; {DATE} (UTC)"),
    "gmail": ("from mail.example.com (mail.example.com. [203.0.113.25]) by mx.google.com with ESMTPS id "
              "a1b2c3d4e5.45.2026.12.07.02.10.00 for <someone@gmail.com> (version=TLS1_3 "
              "cipher=TLS_AES_256_GCM_SHA384 bits=256/256); Mon, 07 Dec 2026 18:10:00 -0800 (PST)"),
    "microsoft": ("from mail.example.com (203.0.113.25) by AM0EUR02FT012.mail.protection.outlook.com "
                  "(10.13.54.101) with Microsoft SMTP Server (version=TLS1_2, "
                  "cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7633.13 via Frontend Transport; "
                  f"{DATE}"),
    "yahoo": f"from mail.example.com (EHLO mail.example.com) (203.0.113.25) by mta4012.mail.gq1.yahoo.com with ESMTPS; {DATE}",
    "exim": ("from mail.example.com ([203.0.113.25] helo=mail.example.com) by mx.receiver.example with esmtps "
             "(TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.97) (envelope-from <a@example.com>) id 1tAbCd-000123-4E "
             f"for b@receiver.example; {DATE}"),
    "exim_old": ("from [203.0.113.25] (helo=mail.example.com) by mx.receiver.example with esmtps "
                 f"(TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256) (Exim 4.92) id 1abc-0001; {DATE}"),
    "sendmail": ("from mail.example.com (mail.example.com [203.0.113.25]) by mx.receiver.example (8.17.1/8.17.1) "
                 "with ESMTPS id 2B7A1b2c003456 (version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT) "
                 f"for <b@receiver.example>; {DATE}"),
    "ipv6": f"from mail.example.com (unknown [IPv6:2001:db8:25::25]) by mx.receiver.example (Postfix) with ESMTP id 1; {DATE}",
    "tls10": f"from mail.example.com (mail.example.com [203.0.113.25]) (using TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits)) by mx.receiver.example (Postfix) with ESMTPS id 2; {DATE}",
    "local": f"by mail.example.com (Postfix, from userid 1000) id 4XyZ; {DATE}",
    "submission": ("from [192.168.1.20] (unknown [192.168.1.20]) by mail.example.com (Postfix) with ESMTPSA id 3; "
                   f"{DATE}"),
    "old_server": ("from smtp.example.com (smtp.example.com [198.51.100.10]) by mx.receiver.example (Postfix) with "
                   f"ESMTPS id 5; {DATE}"),
}


def message(*top: str, body: str = "Hello.\r\n", **extra: str) -> bytes:
    """A message: ``top`` header lines first (as a receiver adds them), then the usual fields."""
    base = [
        "From: Example Co. <info@example.com>",
        "To: <b@receiver.example>",
        "Subject: test",
        f"Date: {DATE}",
        "Message-ID: <20261207021000.test@mail.example.com>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
    ]
    for name, value in extra.items():
        base.append(f"{name.replace('_', '-')}: {value}")
    return ("\r\n".join([*top, *base]) + "\r\n\r\n" + body).encode("utf-8")
