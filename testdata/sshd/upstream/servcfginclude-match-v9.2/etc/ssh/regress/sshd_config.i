HostKey /etc/ssh/regress/host.ssh-ed25519
Match host a
	Banner /aa

Match host b
	Banner /bb
	Include /etc/ssh/regress/sshd_config.i.* # comment

Match host c
	Include /etc/ssh/regress/sshd_config.i.* # comment
	Banner /cc

Match host m
	Include /etc/ssh/regress/sshd_config.i.*

Match Host d
	Banner /dd # comment

Match Host e
	Banner /ee
	Include /etc/ssh/regress/sshd_config.i.*

Match Host f
	Include /etc/ssh/regress/sshd_config.i.*
	Banner /ff

Match Host n
	Include /etc/ssh/regress/sshd_config.i.*
