#!/usr/bin/python
# A stand-in for hetzner.hcloud.hcloud_server in the fallback tests (CapacityFallbackTests): it
# records each call in FAKE_HCLOUD_LOG and answers as FAKE_HCLOUD_ANSWERS says for the call's
# "type@location": "" creates the server; an API error code fails as hetzner.hcloud 6.x does
# (failure.code); "placement_error" fails as a create action that failed (failure.action.error.code).
import json
import os
import re

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        api_token=dict(no_log=True), name=dict(), id=dict(), server_type=dict(), image=dict(),
        location=dict(), ssh_keys=dict(type='list', elements='str'), firewalls=dict(type='list', elements='str'),
        labels=dict(type='dict'), user_data=dict(no_log=True), state=dict(default='present')))
    params = module.params
    with open(os.environ['FAKE_HCLOUD_LOG'], 'a') as log:
        log.write(json.dumps({k: params[k] for k in ('state', 'name', 'server_type', 'location')}) + '\n')
    if params['state'] == 'absent':
        module.exit_json(changed=True)
    code = json.loads(os.environ['FAKE_HCLOUD_ANSWERS']).get('%s@%s' % (params['server_type'], params['location']), '')
    if code == 'placement_error':
        module.fail_json(msg='Action 17 failed: placement error', failure={'action': {'error': {'code': code, 'message': 'no host'}}})
    if code:
        # Hetzner may echo what it was sent: the message carries the tailnet key from user_data.
        key = re.search(r'tskey-[A-Za-z0-9-]+', params['user_data'] or '')
        module.fail_json(msg='%s is refused (%s): user data %s' % (params['server_type'], code, key.group(0) if key else 'without a key'),
                         failure={'code': code, 'message': 'refused'})
    module.exit_json(changed=True, hcloud_server={'id': 4711, 'ipv4_address': '203.0.113.5'})


if __name__ == '__main__':
    main()
