Banner /xx
HostKey /etc/ssh/regress/host.ssh-ed25519
Include /etc/ssh/regress/sshd_config.i.2
Match host a
	Banner /aaaa
