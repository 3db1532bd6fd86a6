package collectors

// Real output captured for the network-semantics tests (issue 15) on the
// project's machine: ufw 0.36.2 (Debian 12), root, in a network namespace
// with its own /etc/ufw (testbed-notes: "A real UFW per namespace"):
//
//	ip netns add a1ufw; mkdir -p /etc/netns/a1ufw; cp -a /etc/ufw /etc/netns/a1ufw/ufw
//	ip netns exec a1ufw ufw --force enable
//	ip netns exec a1ufw ufw allow from 10.0.0.0/24 to any port 22 proto tcp
//	ip netns exec a1ufw ufw allow 80/tcp
//	ip netns exec a1ufw ufw allow from 192.168.0.2/255.255.0.2   # ufw's tests: "ISP style"
//	ip netns exec a1ufw ufw allow from ::1/0                     # ufw's tests (rules6): kept verbatim
//	ip netns exec a1ufw ufw allow from 10.0.0.5/24 to any port 6380 proto tcp   # "WARN: Rule changed after normalization"
//	ip netns exec a1ufw ufw deny from 10.0.0.1/255.255.0.255 to any port 8080 proto tcp
//	ip netns exec a1ufw ufw allow from fe80::1%eth0               # "ERROR: Bad source address": not added
//
// then each constant's command. The kernel applies the masks as written
// (iptables -S) and ::1/0 as every IPv6 source (no -s at all).

// ufwCapStatusVerbose is `ufw status verbose`.
const ufwCapStatusVerbose = `Status: active
Logging: on (low)
Default: deny (incoming), allow (outgoing), disabled (routed)
New profiles: skip

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW IN    10.0.0.0/24               
80/tcp                     ALLOW IN    Anywhere                  
Anywhere                   ALLOW IN    192.168.0.2/255.255.0.2   
6380/tcp                   ALLOW IN    10.0.0.0/24               
8080/tcp                   DENY IN     10.0.0.1/255.255.0.255    
80/tcp (v6)                ALLOW IN    Anywhere (v6)             
Anywhere (v6)              ALLOW IN    ::1/0                     

`

// ufwCapStatusNumbered is `ufw status numbered`.
const ufwCapStatusNumbered = `Status: active

     To                         Action      From
     --                         ------      ----
[ 1] 22/tcp                     ALLOW IN    10.0.0.0/24               
[ 2] 80/tcp                     ALLOW IN    Anywhere                  
[ 3] Anywhere                   ALLOW IN    192.168.0.2/255.255.0.2   
[ 4] 6380/tcp                   ALLOW IN    10.0.0.0/24               
[ 5] 8080/tcp                   DENY IN     10.0.0.1/255.255.0.255    
[ 6] 80/tcp (v6)                ALLOW IN    Anywhere (v6)             
[ 7] Anywhere (v6)              ALLOW IN    ::1/0                     

`

// ufwCapStatusPlain is `ufw status`.
const ufwCapStatusPlain = `Status: active

To                         Action      From
--                         ------      ----
22/tcp                     ALLOW       10.0.0.0/24               
80/tcp                     ALLOW       Anywhere                  
Anywhere                   ALLOW       192.168.0.2/255.255.0.2   
6380/tcp                   ALLOW       10.0.0.0/24               
8080/tcp                   DENY        10.0.0.1/255.255.0.255    
80/tcp (v6)                ALLOW       Anywhere (v6)             
Anywhere (v6)              ALLOW       ::1/0                     

`

// ufwCapUserRules is `cat /etc/ufw/user.rules`.
const ufwCapUserRules = `*filter
:ufw-user-input - [0:0]
:ufw-user-output - [0:0]
:ufw-user-forward - [0:0]
:ufw-before-logging-input - [0:0]
:ufw-before-logging-output - [0:0]
:ufw-before-logging-forward - [0:0]
:ufw-user-logging-input - [0:0]
:ufw-user-logging-output - [0:0]
:ufw-user-logging-forward - [0:0]
:ufw-after-logging-input - [0:0]
:ufw-after-logging-output - [0:0]
:ufw-after-logging-forward - [0:0]
:ufw-logging-deny - [0:0]
:ufw-logging-allow - [0:0]
:ufw-user-limit - [0:0]
:ufw-user-limit-accept - [0:0]
### RULES ###

### tuple ### allow tcp 22 0.0.0.0/0 any 10.0.0.0/24 in
-A ufw-user-input -p tcp --dport 22 -s 10.0.0.0/24 -j ACCEPT

### tuple ### allow tcp 80 0.0.0.0/0 any 0.0.0.0/0 in
-A ufw-user-input -p tcp --dport 80 -j ACCEPT

### tuple ### allow any any 0.0.0.0/0 any 192.168.0.2/255.255.0.2 in
-A ufw-user-input -s 192.168.0.2/255.255.0.2 -j ACCEPT

### tuple ### allow tcp 6380 0.0.0.0/0 any 10.0.0.0/24 in
-A ufw-user-input -p tcp --dport 6380 -s 10.0.0.0/24 -j ACCEPT

### tuple ### deny tcp 8080 0.0.0.0/0 any 10.0.0.1/255.255.0.255 in
-A ufw-user-input -p tcp --dport 8080 -s 10.0.0.1/255.255.0.255 -j DROP

### END RULES ###

### LOGGING ###
-A ufw-after-logging-input -j LOG --log-prefix "[UFW BLOCK] " -m limit --limit 3/min --limit-burst 10
-A ufw-after-logging-forward -j LOG --log-prefix "[UFW BLOCK] " -m limit --limit 3/min --limit-burst 10
-I ufw-logging-deny -m conntrack --ctstate INVALID -j RETURN -m limit --limit 3/min --limit-burst 10
-A ufw-logging-deny -j LOG --log-prefix "[UFW BLOCK] " -m limit --limit 3/min --limit-burst 10
-A ufw-logging-allow -j LOG --log-prefix "[UFW ALLOW] " -m limit --limit 3/min --limit-burst 10
### END LOGGING ###

### RATE LIMITING ###
-A ufw-user-limit -m limit --limit 3/minute -j LOG --log-prefix "[UFW LIMIT BLOCK] "
-A ufw-user-limit -j REJECT
-A ufw-user-limit-accept -j ACCEPT
### END RATE LIMITING ###
COMMIT
`

// ufwCapUser6Rules is `cat /etc/ufw/user6.rules`.
const ufwCapUser6Rules = `*filter
:ufw6-user-input - [0:0]
:ufw6-user-output - [0:0]
:ufw6-user-forward - [0:0]
:ufw6-before-logging-input - [0:0]
:ufw6-before-logging-output - [0:0]
:ufw6-before-logging-forward - [0:0]
:ufw6-user-logging-input - [0:0]
:ufw6-user-logging-output - [0:0]
:ufw6-user-logging-forward - [0:0]
:ufw6-after-logging-input - [0:0]
:ufw6-after-logging-output - [0:0]
:ufw6-after-logging-forward - [0:0]
:ufw6-logging-deny - [0:0]
:ufw6-logging-allow - [0:0]
:ufw6-user-limit - [0:0]
:ufw6-user-limit-accept - [0:0]
### RULES ###

### tuple ### allow tcp 80 ::/0 any ::/0 in
-A ufw6-user-input -p tcp --dport 80 -j ACCEPT

### tuple ### allow any any ::/0 any ::1/0 in
-A ufw6-user-input -s ::1/0 -j ACCEPT

### END RULES ###

### LOGGING ###
-A ufw6-after-logging-input -j LOG --log-prefix "[UFW BLOCK] " -m limit --limit 3/min --limit-burst 10
-A ufw6-after-logging-forward -j LOG --log-prefix "[UFW BLOCK] " -m limit --limit 3/min --limit-burst 10
-I ufw6-logging-deny -m conntrack --ctstate INVALID -j RETURN -m limit --limit 3/min --limit-burst 10
-A ufw6-logging-deny -j LOG --log-prefix "[UFW BLOCK] " -m limit --limit 3/min --limit-burst 10
-A ufw6-logging-allow -j LOG --log-prefix "[UFW ALLOW] " -m limit --limit 3/min --limit-burst 10
### END LOGGING ###

### RATE LIMITING ###
-A ufw6-user-limit -m limit --limit 3/minute -j LOG --log-prefix "[UFW LIMIT BLOCK] "
-A ufw6-user-limit -j REJECT
-A ufw6-user-limit-accept -j ACCEPT
### END RATE LIMITING ###
COMMIT
`

// ufwCapIptablesS is `iptables -S ufw-user-input`.
const ufwCapIptablesS = `-N ufw-user-input
-A ufw-user-input -s 10.0.0.0/24 -p tcp -m tcp --dport 22 -j ACCEPT
-A ufw-user-input -p tcp -m tcp --dport 80 -j ACCEPT
-A ufw-user-input -s 192.168.0.2/255.255.0.2 -j ACCEPT
-A ufw-user-input -s 10.0.0.0/24 -p tcp -m tcp --dport 6380 -j ACCEPT
-A ufw-user-input -s 10.0.0.1/255.255.0.255 -p tcp -m tcp --dport 8080 -j DROP
`

// ufwCapIP6tablesS is `ip6tables -S ufw6-user-input`.
const ufwCapIP6tablesS = `-N ufw6-user-input
-A ufw6-user-input -p tcp -m tcp --dport 80 -j ACCEPT
-A ufw6-user-input -j ACCEPT
`
