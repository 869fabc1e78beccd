"""Asterisk's PJSIP realtime tables, as Asterisk 22.10.1's alembic migrations make them.

extctl creates these only where they are missing (a fresh database); usually
Asterisk's own migrations made them. Either way Asterisk must find every
column it reads or writes: a `ps_contacts` without `qualify_2xx_only` makes
every REGISTER answer 200 while no contact is stored ("Unable to bind
contact"). So the tables carry every column of the migrations, with their
types: on PostgreSQL the same enum types (created if missing), on MySQL /
MariaDB inline ENUMs. extctl writes only a few columns; the others stay NULL,
which res_config_pgsql / res_config_odbc / res_config_mysql skip ("the
default").

SQLite is different: res_config_sqlite3 hands Asterisk a NULL as an empty
value, and every typed option then fails to parse (a real Asterisk 22 logs
"Error parsing connected_line_method=" for each NULL column and `pjsip show
endpoints` finds no object). There extctl creates the three configuration
tables with just the columns it fills (`WRITTEN`), and ps_contacts whole:
Asterisk writes every one of its columns itself.

tests/pbx/test_asterisk_tables.py compares this with
tests/reference/asterisk/pjsip-realtime-22.10.1-postgres.sql.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

from pbx import sql

_BOOL = ("0", "1", "off", "on", "false", "true", "no", "yes")
ENUMS: dict[str, tuple[str, ...]] = {
    "ast_bool_values": _BOOL,
    "pjsip_100rel_values_v2": ("no", "required", "peer_supported", "yes"),
    "pjsip_auth_type_values_v2": ("md5", "userpass", "google_oauth"),
    "pjsip_cid_privacy_values": (
        "allowed_not_screened", "allowed_passed_screened", "allowed_failed_screened",
        "allowed", "prohib_not_screened", "prohib_passed_screened", "prohib_failed_screened",
        "prohib", "unavailable"),
    "pjsip_connected_line_method_values": ("invite", "reinvite", "update"),
    "pjsip_direct_media_glare_mitigation_values": ("none", "outgoing", "incoming"),
    "pjsip_dtls_setup_values": ("active", "passive", "actpass"),
    "pjsip_dtmf_mode_values_v3": ("rfc4733", "inband", "info", "auto", "auto_info"),
    "pjsip_incoming_call_offer_pref_values": ("local", "local_first", "remote", "remote_first"),
    "pjsip_media_encryption_values": ("no", "sdes", "dtls"),
    "pjsip_outgoing_call_offer_pref_values": (
        "local", "local_merge", "local_first", "remote", "remote_merge", "remote_first"),
    "pjsip_redirect_method_values": ("user", "uri_core", "uri_pjsip"),
    "pjsip_t38udptl_ec_values": ("none", "fec", "redundancy"),
    "pjsip_timer_values": ("forced", "no", "required", "yes"),
    "security_negotiation_values": ("no", "mediasec"),
    "sha_hash_values": ("SHA-1", "SHA-256"),
}
# One SchemaType per enum, shared by its columns: PostgreSQL creates each once.
_ENUM_TYPES = {name: sa.Enum(*labels, name=name) for name, labels in ENUMS.items()}
_SHORT = {"bool": "ast_bool_values", "rel100": "pjsip_100rel_values_v2",
          "authtype": "pjsip_auth_type_values_v2", "privacy": "pjsip_cid_privacy_values",
          "clm": "pjsip_connected_line_method_values",
          "glare": "pjsip_direct_media_glare_mitigation_values",
          "dtlssetup": "pjsip_dtls_setup_values", "dtmf": "pjsip_dtmf_mode_values_v3",
          "inpref": "pjsip_incoming_call_offer_pref_values",
          "mediaenc": "pjsip_media_encryption_values",
          "outpref": "pjsip_outgoing_call_offer_pref_values",
          "redirect": "pjsip_redirect_method_values", "t38ec": "pjsip_t38udptl_ec_values",
          "timer": "pjsip_timer_values", "secneg": "security_negotiation_values",
          "sha": "sha_hash_values"}

# "name:type" in the migrations' column order; vN = VARCHAR(N), the rest above.
_COLUMNS = {
    "ps_endpoints": """
        id:v255 transport:v40 aors:v2048 auth:v255 context:v40 disallow:v200 allow:v200
        direct_media:bool connected_line_method:clm direct_media_method:clm
        direct_media_glare_mitigation:glare disable_direct_media_on_nat:bool dtmf_mode:dtmf
        external_media_address:v40 force_rport:bool ice_support:bool identify_by:v80
        mailboxes:v40 moh_suggest:v40 outbound_auth:v255 outbound_proxy:v255
        rewrite_contact:bool rtp_ipv6:bool rtp_symmetric:bool send_diversion:bool
        send_pai:bool send_rpid:bool timers_min_se:int timers:timer timers_sess_expires:int
        callerid:v40 callerid_privacy:privacy callerid_tag:v40 100rel:rel100
        aggregate_mwi:bool trust_id_inbound:bool trust_id_outbound:bool use_ptime:bool
        use_avpf:bool media_encryption:mediaenc inband_progress:bool call_group:v40
        pickup_group:v40 named_call_group:v40 named_pickup_group:v40 device_state_busy_at:int
        fax_detect:bool t38_udptl:bool t38_udptl_ec:t38ec t38_udptl_maxdatagram:int
        t38_udptl_nat:bool t38_udptl_ipv6:bool tone_zone:v40 language:v40
        one_touch_recording:bool record_on_feature:v40 record_off_feature:v40 rtp_engine:v40
        allow_transfer:bool allow_subscribe:bool sdp_owner:v40 sdp_session:v40 tos_audio:v10
        tos_video:v10 sub_min_expiry:int from_domain:v40 from_user:v40 mwi_from_user:v40
        dtls_verify:v40 dtls_rekey:v40 dtls_cert_file:v200 dtls_private_key:v200
        dtls_cipher:v200 dtls_ca_file:v200 dtls_ca_path:v200 dtls_setup:dtlssetup
        srtp_tag_32:bool media_address:v40 redirect_method:redirect set_var:text cos_audio:int
        cos_video:int message_context:v40 force_avp:bool media_use_received_transport:bool
        accountcode:v80 user_eq_phone:bool moh_passthrough:bool
        media_encryption_optimistic:bool rpid_immediate:bool g726_non_standard:bool
        rtp_keepalive:int rtp_timeout:int rtp_timeout_hold:int bind_rtp_to_media_address:bool
        voicemail_extension:v40 mwi_subscribe_replaces_unsolicited:bool deny:v95 permit:v95
        acl:v40 contact_deny:v95 contact_permit:v95 contact_acl:v40 subscribe_context:v40
        fax_detect_timeout:int contact_user:v80 preferred_codec_only:bool
        asymmetric_rtp_codec:bool rtcp_mux:bool allow_overlap:bool refer_blind_progress:bool
        notify_early_inuse_ringing:bool max_audio_streams:int max_video_streams:int
        webrtc:bool dtls_fingerprint:sha incoming_mwi_mailbox:v40 bundle:bool
        dtls_auto_generate_cert:bool follow_early_media_fork:bool
        accept_multiple_sdp_answers:bool suppress_q850_reason_headers:bool
        trust_connected_line:bool send_connected_line:bool ignore_183_without_sdp:bool
        codec_prefs_incoming_offer:v128 codec_prefs_outgoing_offer:v128
        codec_prefs_incoming_answer:v128 codec_prefs_outgoing_answer:v128 stir_shaken:bool
        send_history_info:bool allow_unauthenticated_options:bool
        t38_bind_udptl_to_media_address:bool geoloc_incoming_call_profile:v80
        geoloc_outgoing_call_profile:v80 incoming_call_offer_pref:inpref
        outgoing_call_offer_pref:outpref stir_shaken_profile:v80 security_negotiation:secneg
        security_mechanisms:v512 send_aoc:bool overlap_context:v80 tenantid:v80
        suppress_moh_on_sendonly:bool follow_redirect_methods:v95 rtp_port_start:int
        rtp_port_end:int""",
    "ps_auths": """
        id:v255 auth_type:authtype nonce_lifetime:int md5_cred:v40 password:v80 realm:v255
        username:v40 refresh_token:v255 oauth_clientid:v255 oauth_secret:v255
        password_digest:v1024 supported_algorithms_uas:v1024 supported_algorithms_uac:v1024""",
    "ps_aors": """
        id:v255 contact:v255 default_expiration:int mailboxes:v80 max_contacts:int
        minimum_expiration:int remove_existing:bool qualify_frequency:int
        authenticate_qualify:bool maximum_expiration:int outbound_proxy:v255
        support_path:bool qualify_timeout:double voicemail_extension:v40
        remove_unavailable:bool qualify_2xx_only:bool""",
    # written by Asterisk itself (contact = realtime,ps_contacts): its registrations
    "ps_contacts": """
        id:v255 uri:v511 expiration_time:bigint qualify_frequency:int outbound_proxy:v255
        path:text user_agent:v255 qualify_timeout:double reg_server:v255
        authenticate_qualify:bool via_addr:v40 via_port:int call_id:v255 endpoint:v255
        prune_on_boot:bool qualify_2xx_only:bool""",
}
_PLAIN: dict[str, TypeEngine[Any]] = {
    "int": sa.Integer(), "bigint": sa.BigInteger(), "double": sa.Double(), "text": sa.Text()}
# the migrations' indexes (the unique keys are the primary keys here)
_INDEXES = {"ps_aors": {"ps_aors_qualifyfreq_contact": ("qualify_frequency", "contact")},
            "ps_contacts": {"ps_contacts_qualifyfreq_exp": ("qualify_frequency",
                                                            "expiration_time")}}


def column_type(spec: str) -> TypeEngine[Any]:
    if spec.startswith("v"):
        return sa.String(int(spec[1:]))
    if spec in _PLAIN:
        return _PLAIN[spec]
    return _ENUM_TYPES[_SHORT[spec]]


# the columns extctl writes (each holds a valid value on every row)
WRITTEN: dict[str, tuple[str, ...]] = {
    "ps_endpoints": ("id", "transport", "aors", "auth", "context", "disallow", "allow",
                     "callerid", "deny", "permit", "device_state_busy_at"),
    "ps_auths": ("id", "auth_type", "password", "username"),
    "ps_aors": ("id", "max_contacts", "remove_existing"),
}


def _table(meta: sa.MetaData, name: str, only: tuple[str, ...] | None = None) -> sa.Table:
    columns = []
    for item in _COLUMNS[name].split():
        col, _, spec = item.partition(":")
        if only is not None and col not in only:
            continue
        # id: NOT NULL UNIQUE in the migrations; a primary key here
        columns.append(sa.Column(col, column_type(spec), primary_key=col == "id"))
    indexes = [sa.Index(ix, *cols) for ix, cols in _INDEXES.get(name, {}).items()
               if only is None or set(cols) <= set(only)]
    return sa.Table(name, meta, *columns, *indexes, **sql.MYSQL_TABLE)


metadata = sa.MetaData()
for _name in _COLUMNS:
    _table(metadata, _name)
sqlite_metadata = sa.MetaData()
for _name in _COLUMNS:
    _table(sqlite_metadata, _name, WRITTEN.get(_name))


# Rows written in one apply past which PostgreSQL statistics are refreshed.
ANALYZE_AFTER = 1000


def analyze_after_bulk(conn: Connection, written: int) -> None:
    """ANALYZE the configuration tables after a bulk write on PostgreSQL.

    Before its first ANALYZE the planner guesses one row for Asterisk's wide
    tables and joins them by nested loops: reading 100,000 extensions took
    1.5 s in the database instead of a fraction with hash joins. Autovacuum
    gets there within a minute; the next plan or apply may come sooner. In
    the apply's transaction: its rows count, and a rollback undoes it.
    """
    if conn.dialect.name == "postgresql" and written >= ANALYZE_AFTER:
        conn.exec_driver_sql("ANALYZE ps_endpoints, ps_auths, ps_aors")


def metadata_for(dialect: str) -> sa.MetaData:
    """The tables extctl creates on this database (see the module docstring)."""
    return sqlite_metadata if dialect == "sqlite" else metadata
