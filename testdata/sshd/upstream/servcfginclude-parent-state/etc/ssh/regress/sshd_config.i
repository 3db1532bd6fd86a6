HostKey /etc/ssh/regress/host.ssh-ed25519
Include /etc/ssh/regress/sshd_config.i.*
Banner /aa
